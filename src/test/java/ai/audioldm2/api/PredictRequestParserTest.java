package ai.audioldm2.api;

import ai.audioldm2.audio.AudioDecodeException;
import ai.audioldm2.audio.WavWriter;
import ai.audioldm2.config.ServiceConfig;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.configuration.MemorySize;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

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
                  int maxSteps, double minGuidanceScale, double maxGuidanceScale, int maxWaveformsPerPrompt,
                  int maxBatchItems, double maxInputDuration, MemorySize maxInputBytes,
                  Optional<MemorySize> maxRequestMemory)
            implements ServiceConfig.Limits {
    }

    private static final int INPUT_RATE = 16000;
    private static final int MAX_INPUT_BYTES = 64_000;

    record Defaults(Optional<String> negativePrompt, double duration, int numInferenceSteps, double guidanceScale,
                    String scheduler) implements ServiceConfig.Defaults {
    }

    private final PredictRequestParser parser = parser(Optional.empty());

    private static PredictRequestParser parser(Optional<String> negativePrompt) {
        return parser(negativePrompt, "exact");
    }

    private static PredictRequestParser parser(Optional<String> negativePrompt, String mode) {
        return new PredictRequestParser(new ObjectMapper(),
                new Limits(new MemorySize(BigInteger.valueOf(1 << 20)), 2000, 1.0, 30.0, 10, 500, 1.0, 20.0, 4, 8,
                        1.5, new MemorySize(BigInteger.valueOf(MAX_INPUT_BYTES)), Optional.empty()),
                new Defaults(negativePrompt, 10.0, 200, 3.5, "ddim"), () -> mode);
    }

    private PredictRequest parse(String json) {
        return parser.parse(json.getBytes(StandardCharsets.UTF_8), null, SCHEDULERS);
    }

    private List<ValidationError> errors(String json) {
        return rejected(() -> parse(json));
    }

    private static ValidationError error(String field, String msg, String type) {
        return item(List.of("body", field), msg, type);
    }

    /** An error as these tests compare them: location, message and type (input and ctx: their own tests). */
    private static ValidationError item(List<Object> loc, String msg, String type) {
        return new ValidationError(loc, msg, type, null, null);
    }

    /** The errors of a rejected request, compared as {@link #item}s. */
    private static List<ValidationError> rejected(Executable parse) {
        return assertThrows(RequestValidationException.class, parse).errors().stream()
                .map(e -> item(e.loc(), e.msg(), e.type())).toList();
    }

    @Test
    void fillsTheDocumentedDefaults() {
        PredictRequest request = parse("{\"prompt\": \"rain on a tin roof\"}");
        assertEquals(new PredictRequest("rain on a tin roof", null, 10.0, 3.5, 200, null, "ddim", null, null, 1, null,
                "exact"), request);
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
                 "num_waveforms_per_prompt": 4, "client_job_id": "550e8400-e29b-41d4-a716-446655440000"}""");
        assertEquals(new PredictRequest("p", "n", 30.0, 1.0, 10, Long.MAX_VALUE, "dpm++2m", null, null, 4,
                "550e8400-e29b-41d4-a716-446655440000", "exact"), request);
    }

    @Test
    void reportsEveryProblemAtOnceInPydanticsShape() {
        assertEquals(List.of(
                        error("promt", "Extra inputs are not permitted", "extra_forbidden"),
                        error("prompt", "Field required", "missing"),
                        error("duration", "Input should be less than or equal to 30", "less_than_equal"),
                        error("guidance_scale", "Input should be greater than or equal to 1", "greater_than_equal"),
                        error("num_inference_steps", "Input should be a valid integer, got a number with a fractional part",
                                "int_from_float"),
                        error("seed", "Input should be greater than or equal to 0", "greater_than_equal"),
                        error("scheduler", "Input should be 'ddim' or 'dpm++2m'", "literal_error")),
                errors("""
                        {"promt": "typo", "duration": 30.5, "guidance_scale": 0.5, "num_inference_steps": 12.5,
                         "seed": -1, "scheduler": "euler"}"""));
    }

    @Test
    void modeIsExactOrFastAndDefaultsToTheConfiguredOne() {
        assertEquals("fast", parse("{\"prompt\": \"p\", \"mode\": \"fast\"}").mode());
        assertEquals("exact", parse("{\"prompt\": \"p\"}").mode());
        assertEquals(List.of(error("mode", "Input should be 'exact' or 'fast'", "literal_error")),
                errors("{\"prompt\": \"p\", \"mode\": \"turbo\"}"));
        assertEquals(List.of(error("mode", "Input should be a valid string", "string_type")),
                errors("{\"prompt\": \"p\", \"mode\": 1}"));
        assertEquals("fast", parser(Optional.empty(), "fast").parse("{\"prompt\": \"p\"}".getBytes(
                StandardCharsets.UTF_8), null, List.of("ddim")).mode());
        assertThrows(IllegalArgumentException.class, () -> parser(Optional.empty(), "turbo"));
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
        assertEquals(List.of(item(List.of("query", "client_job_id"), pattern, "string_pattern_mismatch")),
                rejected(() -> parser.parse(body, "no spaces", SCHEDULERS)));
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
        assertEquals(List.of(item(List.of("body"),
                        "Input should be a valid dictionary or object to extract fields from", "model_attributes_type")),
                errors("[\"prompt\"]"));
        assertEquals(List.of(item(List.of("body"), "Field required", "missing")),
                rejected(() -> parser.parse(new byte[0], null, SCHEDULERS)));
    }

    /** A 16-bit mono WAV of {@code seconds} of a 440 Hz tone, as base64. */
    private static String wavBase64(double seconds) {
        return Base64.getEncoder().encodeToString(wav(seconds));
    }

    private static byte[] wav(double seconds) {
        float[] tone = new float[(int) (seconds * INPUT_RATE)];
        for (int i = 0; i < tone.length; i++) {
            tone[i] = (float) (0.3 * Math.sin(2 * Math.PI * 440 * i / INPUT_RATE));
        }
        return WavWriter.toBytes(tone, INPUT_RATE, WavWriter.SampleFormat.PCM16);
    }

    private PredictRequest withAudio(String base64, String more) {
        return parse("{\"prompt\": \"p\", \"audio_input_b64\": \"" + base64 + "\"" + more + "}");
    }

    private AudioDecodeException badAudio(byte[] file) {
        return assertThrows(AudioDecodeException.class, () -> withAudio(Base64.getEncoder().encodeToString(file), ""));
    }

    @Test
    void audioInputIsDecodedAndSetsTheDefaultDurationAndStrength() {
        PredictRequest request = withAudio(wavBase64(1.25), "");
        assertEquals(1, request.audioInput().channelCount());
        assertEquals(INPUT_RATE, request.audioInput().sampleRate());
        assertEquals((int) (1.25 * INPUT_RATE), request.audioInput().frames());
        assertEquals(1.25, request.duration());
        assertEquals(0.5, request.strength());
        assertEquals(0.75, withAudio(wavBase64(1.25), ", \"strength\": 0.75").strength());
        assertEquals(2.0, withAudio(wavBase64(1.25), ", \"duration\": 2").duration());
        // shorter than the minimum duration (1.0 here): brought up to it, the input is padded
        assertEquals(1.0, withAudio(wavBase64(0.5), "").duration());
        assertEquals(0.5, withAudio(wavBase64(0.5), "").audioInput().durationSeconds());
        assertNull(parse("{\"prompt\": \"p\"}").strength());
    }

    @Test
    void strengthNeedsAudioInputAndMustBeWithinZeroAndOne() {
        assertEquals(List.of(error("strength", "Value error, strength applies to audio-to-audio only: give "
                        + "audio_input_b64 or leave strength out", "value_error")),
                errors("{\"prompt\": \"p\", \"strength\": 0.5}"));
        assertEquals(List.of(error("strength", "Input should be less than or equal to 1", "less_than_equal")),
                rejected(() -> withAudio(wavBase64(1.0), ", \"strength\": 1.5")));
        assertEquals(0.0, withAudio(wavBase64(1.0), ", \"strength\": 0").strength());
    }

    @Test
    void waveformsPerPromptAreOneToTheLimit() {
        assertEquals(List.of(error("num_waveforms_per_prompt", "Input should be less than or equal to 4",
                "less_than_equal")), errors("{\"prompt\": \"p\", \"num_waveforms_per_prompt\": 5}"));
        assertEquals(List.of(error("num_waveforms_per_prompt", "Input should be greater than or equal to 1",
                "greater_than_equal")), errors("{\"prompt\": \"p\", \"num_waveforms_per_prompt\": 0}"));
    }

    @Test
    void badBase64IsABadRequest() {
        MalformedRequestException bad = assertThrows(MalformedRequestException.class,
                () -> withAudio("not base64!", ""));
        assertTrue(bad.getMessage().startsWith("audio_input_b64 is not valid base64"), bad.getMessage());
    }

    @Test
    void everyKindOfBadAudioIsNamedWithTheAcceptedFormatsAndLimits() {
        byte[] good = wav(1.0);
        byte[] nineChannels = good.clone();
        nineChannels[22] = 9;                                   // fmt channel count
        byte[] zeroRate = good.clone();
        java.util.Arrays.fill(zeroRate, 24, 28, (byte) 0);      // fmt sample rate
        byte[] absurdRate = good.clone();
        absurdRate[27] = 0x7f;                                   // ~2.1 GHz
        byte[] floatCode = good.clone();
        floatCode[20] = 2;                                      // ADPCM: an encoding WAV readers rarely support
        byte[] wrongHeader = good.clone();
        wrongHeader[8] = 'X';                                   // RIFF....XAVE
        var cases = java.util.Map.of(
                "EMPTY", new byte[0],
                "TRUNCATED", java.util.Arrays.copyOf(good, 40),
                "MALFORMED", wrongHeader,
                "UNRECOGNISED_FORMAT", "plain text, not audio".getBytes(StandardCharsets.US_ASCII),
                "UNSUPPORTED_ENCODING", floatCode,
                "BAD_SAMPLE_RATE", zeroRate,
                "BAD_CHANNEL_COUNT", nineChannels,
                "TOO_LONG", wav(1.6),
                "TOO_LARGE", new byte[MAX_INPUT_BYTES + 1]);
        cases.forEach((problem, file) -> {
            AudioDecodeException e = badAudio(file);
            assertEquals(problem, e.problem().name(), e.getMessage());
            assertTrue(e.getMessage().contains("Accepted: WAV"), e.getMessage());
        });
        assertEquals("BAD_SAMPLE_RATE", badAudio(absurdRate).problem().name());
        // a well-formed file with no samples: nothing to transform
        AudioDecodeException empty = badAudio(WavWriter.toBytes(new float[0], INPUT_RATE, WavWriter.SampleFormat.PCM16));
        assertEquals("EMPTY", empty.problem().name(), empty.getMessage());
    }

    @Test
    void aSilentClipIsValid() {
        String silence = Base64.getEncoder().encodeToString(
                WavWriter.toBytes(new float[INPUT_RATE], INPUT_RATE, WavWriter.SampleFormat.PCM16));
        assertEquals(1.0, withAudio(silence, "").duration());
    }

    @Test
    void batchBodiesAreCheckedAsAWholeFirst() {
        assertEquals(2, parser.batchItems("{\"requests\": [{}, 5]}".getBytes(StandardCharsets.UTF_8), 2).size());
        assertEquals(List.of(item(List.of("body", "requests"),
                        "List should have at most 2 items after validation, not 3", "too_long")),
                batchErrors("{\"requests\": [{}, {}, {}]}"));
        assertEquals(List.of(item(List.of("body", "requests"),
                        "List should have at least 1 item after validation, not 0", "too_short")),
                batchErrors("{\"requests\": []}"));
        assertEquals(List.of(item(List.of("body", "requests"), "Input should be a valid list",
                "list_type")), batchErrors("{\"requests\": {\"prompt\": \"p\"}}"));
        assertEquals(List.of(error("extra", "Extra inputs are not permitted", "extra_forbidden"),
                        item(List.of("body", "requests"), "Field required", "missing")),
                batchErrors("{\"extra\": 1}"));
        assertEquals(List.of(item(List.of("body"),
                        "Input should be a valid dictionary or object to extract fields from", "model_attributes_type")),
                batchErrors("[{\"prompt\": \"p\"}]"));
        assertThrows(MalformedRequestException.class,
                () -> parser.batchItems("{\"requests\": [".getBytes(StandardCharsets.UTF_8), 2));
    }

    @Test
    void batchItemErrorsAreLocatedInTheList() throws Exception {
        var item = new ObjectMapper().readTree("{\"prompt\": \"\", \"duration\": 99}");
        assertEquals(List.of(
                        item(List.of("body", "requests", 3, "prompt"),
                                "String should have at least 1 character", "string_too_short"),
                        item(List.of("body", "requests", 3, "duration"),
                                "Input should be less than or equal to 30", "less_than_equal")),
                rejected(() -> parser.parseItem(item, List.of("body", "requests", 3), null, SCHEDULERS)));
        var notAnObject = new ObjectMapper().readTree("5");
        assertEquals(List.of(item(List.of("body", "requests", 0),
                        "Input should be a valid dictionary or object to extract fields from", "model_attributes_type")),
                rejected(() -> parser.parseItem(notAnObject, List.of("body", "requests", 0), null, SCHEDULERS)));
    }

    private List<ValidationError> batchErrors(String json) {
        return rejected(() -> parser.batchItems(json.getBytes(StandardCharsets.UTF_8), 2));
    }

    @Test
    void schedulersAreNotCheckedWhileNoModelIsLoaded() {
        byte[] body = "{\"prompt\": \"p\", \"scheduler\": \"anything\"}".getBytes(StandardCharsets.UTF_8);
        assertEquals("anything", parser.parse(body, null, null).scheduler());
    }
}
