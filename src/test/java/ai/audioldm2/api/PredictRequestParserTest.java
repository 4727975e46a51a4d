package ai.audioldm2.api;

import ai.audioldm2.config.ServiceConfig;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.configuration.MemorySize;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The request schema of issue 4, with the API's production limits and defaults. */
class PredictRequestParserTest {

    private static final List<String> SCHEDULERS = List.of("ddim", "dpm++2m");

    record Limits(MemorySize maxBodySize, int maxPromptChars, double minDuration, double maxDuration, int minSteps,
                  int maxSteps, double minGuidanceScale, double maxGuidanceScale) implements ServiceConfig.Limits {
    }

    record Defaults(Optional<String> negativePrompt, double duration, int numInferenceSteps, double guidanceScale,
                    String scheduler) implements ServiceConfig.Defaults {
    }

    private final PredictRequestParser parser = parser(Optional.empty());

    private static PredictRequestParser parser(Optional<String> negativePrompt) {
        return new PredictRequestParser(new ObjectMapper(),
                new Limits(new MemorySize(BigInteger.valueOf(1 << 20)), 2000, 1.0, 30.0, 10, 500, 1.0, 20.0),
                new Defaults(negativePrompt, 10.0, 200, 3.5, "ddim"));
    }

    private PredictRequest parse(String json) {
        return parser.parse(json.getBytes(StandardCharsets.UTF_8), null, SCHEDULERS);
    }

    private List<ValidationError> errors(String json) {
        return assertThrows(RequestValidationException.class, () -> parse(json)).errors();
    }

    private static ValidationError error(String field, String msg, String type) {
        return new ValidationError(List.of("body", field), msg, type);
    }

    @Test
    void fillsTheDocumentedDefaults() {
        PredictRequest request = parse("{\"prompt\": \"rain on a tin roof\"}");
        assertEquals(new PredictRequest("rain on a tin roof", null, 10.0, 3.5, 200, null, "ddim", null, null), request);
    }

    @Test
    void theDefaultNegativePromptIsConfigurableAndAnExplicitNullTurnsItOff() {
        PredictRequestParser withDefault = parser(Optional.of("Low quality."));
        byte[] absent = "{\"prompt\": \"x\"}".getBytes(StandardCharsets.UTF_8);
        byte[] explicitNull = "{\"prompt\": \"x\", \"negative_prompt\": null}".getBytes(StandardCharsets.UTF_8);
        assertEquals("Low quality.", withDefault.parse(absent, null, SCHEDULERS).negativePrompt());
        assertNull(withDefault.parse(explicitNull, null, SCHEDULERS).negativePrompt());
    }

    @Test
    void acceptsEveryFieldAtItsLimits() {
        PredictRequest request = parse("""
                {"prompt": "p", "negative_prompt": "n", "duration": 30, "guidance_scale": 1.0,
                 "num_inference_steps": 10.0, "seed": 9223372036854775807, "scheduler": "dpm++2m",
                 "client_job_id": "550e8400-e29b-41d4-a716-446655440000"}""");
        assertEquals(new PredictRequest("p", "n", 30.0, 1.0, 10, Long.MAX_VALUE, "dpm++2m", null,
                "550e8400-e29b-41d4-a716-446655440000"), request);
    }

    @Test
    void reportsEveryProblemAtOnceInPydanticsShape() {
        assertEquals(List.of(
                        error("promt", "Extra inputs are not permitted", "extra_forbidden"),
                        error("prompt", "Field required", "missing"),
                        error("duration", "Input should be less than or equal to 30.0", "less_than_equal"),
                        error("guidance_scale", "Input should be greater than or equal to 1.0", "greater_than_equal"),
                        error("num_inference_steps", "Input should be a valid integer, got a number with a fractional part",
                                "int_from_float"),
                        error("seed", "Input should be greater than or equal to 0", "greater_than_equal"),
                        error("scheduler", "Input should be 'ddim', 'dpm++2m'", "literal_error")),
                errors("""
                        {"promt": "typo", "duration": 30.5, "guidance_scale": 0.5, "num_inference_steps": 12.5,
                         "seed": -1, "scheduler": "euler"}"""));
    }

    @Test
    void typesAreNotCoerced() {
        assertEquals(List.of(
                        error("prompt", "Input should be a valid string", "string_type"),
                        error("duration", "Input should be a valid number", "float_type"),
                        error("num_inference_steps", "Input should be a valid integer", "int_type"),
                        error("seed", "Input should be a valid integer", "int_type")),
                errors("{\"prompt\": 5, \"duration\": \"10\", \"num_inference_steps\": true, \"seed\": \"7\"}"));
    }

    @Test
    void promptMustHaveContentAndFitTheLimit() {
        assertEquals(List.of(error("prompt", "String should have at least 1 character", "string_too_short")),
                errors("{\"prompt\": \"\"}"));
        assertEquals(List.of(error("prompt", "Value error, prompt must not be blank", "value_error")),
                errors("{\"prompt\": \" \\t \"}"));
        assertEquals(List.of(error("prompt", "String should have at most 2000 characters", "string_too_long")),
                errors("{\"prompt\": \"" + "a".repeat(2001) + "\"}"));
        // Characters, not UTF-16 units: 2000 emoji fit.
        assertEquals(2000, parse("{\"prompt\": \"" + "\uD83C\uDFB5".repeat(2000) + "\"}").prompt().codePointCount(0, 4000));
    }

    @Test
    void seedsBeyondALongAreRangeErrors() {
        assertEquals(List.of(error("seed", "Input should be less than or equal to 9223372036854775807", "less_than_equal")),
                errors("{\"prompt\": \"p\", \"seed\": 9223372036854775808}"));
        assertNull(parse("{\"prompt\": \"p\", \"seed\": null}").seed());
    }

    @Test
    void clientJobIdComesFromTheBodyOrTheQueryAndMustMatchThePattern() {
        String pattern = "String should match pattern '^[A-Za-z0-9._:-]{1,256}$'";
        byte[] body = "{\"prompt\": \"p\"}".getBytes(StandardCharsets.UTF_8);
        assertEquals("job:1", parser.parse(body, "job:1", SCHEDULERS).clientJobId());
        assertEquals(List.of(new ValidationError(List.of("query", "client_job_id"), pattern, "string_pattern_mismatch")),
                assertThrows(RequestValidationException.class, () -> parser.parse(body, "no spaces", SCHEDULERS)).errors());
        assertEquals(List.of(error("client_job_id", pattern, "string_pattern_mismatch")),
                errors("{\"prompt\": \"p\", \"client_job_id\": \"" + "x".repeat(257) + "\"}"));
        // Python's $ accepts a trailing newline; this service does not.
        assertEquals(List.of(error("client_job_id", pattern, "string_pattern_mismatch")),
                errors("{\"prompt\": \"p\", \"client_job_id\": \"abc\\n\"}"));
        assertEquals(List.of(error("client_job_id", pattern, "string_pattern_mismatch")),
                errors("{\"prompt\": \"p\", \"client_job_id\": \"\"}"));
    }

    @Test
    void malformedJsonIsABadRequest() {
        assertTrue(assertThrows(MalformedRequestException.class, () -> parse("{\"prompt\": "))
                .getMessage().startsWith("malformed JSON"));
        assertThrows(MalformedRequestException.class, () -> parse("{\"prompt\": \"p\"} trailing"));
    }

    @Test
    void aBodyThatIsNotAnObjectOrIsMissingIsAValidationError() {
        assertEquals(List.of(new ValidationError(List.of("body"),
                        "Input should be a valid dictionary or object to extract fields from", "model_attributes_type")),
                errors("[\"prompt\"]"));
        assertEquals(List.of(new ValidationError(List.of("body"), "Field required", "missing")),
                assertThrows(RequestValidationException.class, () -> parser.parse(new byte[0], null, SCHEDULERS)).errors());
    }

    @Test
    void badBase64IsABadRequestAndGoodBase64IsNotSupportedYet() {
        MalformedRequestException bad = assertThrows(MalformedRequestException.class,
                () -> parse("{\"prompt\": \"p\", \"audio_input_b64\": \"not base64!\"}"));
        assertTrue(bad.getMessage().startsWith("audio_input_b64 is not valid base64"), bad.getMessage());
        String wav = Base64.getEncoder().encodeToString("RIFF....WAVE".getBytes(StandardCharsets.US_ASCII));
        assertEquals(List.of(error("audio_input_b64", "Value error, audio-to-audio is not available in this version",
                "value_error")), errors("{\"prompt\": \"p\", \"audio_input_b64\": \"" + wav + "\"}"));
    }

    @Test
    void schedulersAreNotCheckedWhileNoModelIsLoaded() {
        byte[] body = "{\"prompt\": \"p\", \"scheduler\": \"anything\"}".getBytes(StandardCharsets.UTF_8);
        assertEquals("anything", parser.parse(body, null, null).scheduler());
    }
}
