package ai.audioldm2.api;

import ai.audioldm2.cli.GenerateCommand;
import ai.audioldm2.jobs.Eventually;
import ai.audioldm2.jobs.GenerationService;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** /predict against the real application serving the committed tiny random bundle. */
@QuarkusTest
class PredictResourceTest {

    private static final int SAMPLE_RATE = 16000; // the tiny bundle's manifest sampling_rate

    @Inject
    GenerationService generation;

    @BeforeEach
    void modelLoaded() {
        Eventually.modelReady(generation);
    }

    private static Response predict(String json) {
        return given().contentType(ContentType.JSON).body(json).when().post("/predict");
    }

    @Test
    void answersWithA16BitMonoWavOfTheRequestedLength() {
        Response response = predict("{\"prompt\": \"a hammer hitting wood\", \"duration\": 1.0, \"seed\": 7}");
        response.then().statusCode(200).contentType(ContentType.JSON)
                .body("sample_rate", equalTo(SAMPLE_RATE))
                .body("num_samples", equalTo(SAMPLE_RATE))
                .body("duration", equalTo(1.0f))
                .body("channels", equalTo(1))
                .body("prompt", equalTo("a hammer hitting wood"))
                .body("seed", equalTo(7))
                .body("scheduler", equalTo("ddim"))
                .body("num_inference_steps", equalTo(2)) // the test profile's default
                .body("guidance_scale", equalTo(3.5f));

        // Standard alphabet with padding: the strict decoder rejects URL-safe or unpadded text.
        String audio = response.path("audio_b64");
        assertEquals(0, audio.length() % 4, "padded base64");
        Wav wav = Wav.decode(Base64.getDecoder().decode(audio));
        assertEquals(SAMPLE_RATE, (int) wav.format().getSampleRate());
        assertEquals(1, wav.format().getChannels());
        assertEquals(16, wav.format().getSampleSizeInBits());
        assertEquals(SAMPLE_RATE, wav.frames());
        assertEquals(2 * SAMPLE_RATE, wav.pcm().length);
    }

    @Test
    void theAudioIsTheOneTheCommandLineWritesForTheSameRequest(@TempDir Path dir) throws IOException {
        byte[] served = Base64.getDecoder().decode(predict(
                "{\"prompt\": \"a hammer hitting wood\", \"duration\": 0.5, \"num_inference_steps\": 3, \"seed\": 2024}")
                .then().statusCode(200).extract().<String>path("audio_b64"));

        Path out = dir.resolve("cli.wav");
        int exit = GenerateCommand.run("--model-dir", "models-onnx/tiny-random", "--prompt", "a hammer hitting wood",
                "--duration", "0.5", "--steps", "3", "--seed", "2024", "--out", out.toString());
        assertEquals(0, exit);
        // Same bundle, same request, same WAV writer, CPU on both sides: byte-identical, no tolerance needed.
        assertArrayEquals(Files.readAllBytes(out), served);
    }

    @Test
    void theSameSeedGivesTheSameAudioAndTheSeedUsedIsReturned() {
        String body = "{\"prompt\": \"wind\", \"duration\": 0.5, \"seed\": 123456789}";
        String first = predict(body).then().statusCode(200).extract().path("audio_b64");
        String second = predict(body).then().statusCode(200).extract().path("audio_b64");
        assertEquals(first, second);

        Response unseeded = predict("{\"prompt\": \"wind\", \"duration\": 0.5}");
        long drawn = unseeded.then().statusCode(200).extract().<Number>path("seed").longValue();
        assertTrue(drawn >= 0);
        String replay = predict("{\"prompt\": \"wind\", \"duration\": 0.5, \"seed\": " + drawn + "}")
                .then().statusCode(200).extract().path("audio_b64");
        assertEquals(unseeded.<String>path("audio_b64"), replay, "the returned seed reproduces the audio");

        String otherSeed = predict("{\"prompt\": \"wind\", \"duration\": 0.5, \"seed\": 123456790}")
                .then().statusCode(200).extract().path("audio_b64");
        assertNotEquals(first, otherSeed, "another seed gives other audio");
    }

    @Test
    void acceptAudioWavAnswersWithTheWavItselfAndMetadataInHeaders() {
        String json = "{\"prompt\": \"rain\", \"duration\": 0.5, \"seed\": 11, \"client_job_id\": \"job-42\"}";
        byte[] viaJson = Base64.getDecoder().decode(predict(json).then().statusCode(200).extract().<String>path("audio_b64"));

        Response raw = given().contentType(ContentType.JSON).accept("audio/wav").body(json).when().post("/predict");
        raw.then().statusCode(200).contentType("audio/wav")
                .header("X-Seed", "11")
                .header("X-Sample-Rate", String.valueOf(SAMPLE_RATE))
                .header("X-Num-Samples", String.valueOf(SAMPLE_RATE / 2))
                .header("X-Duration", "0.5")
                .header("X-Channels", "1")
                .header("X-Scheduler", "ddim")
                .header("X-Client-Job-Id", "job-42")
                .header("X-Trace-Id", matchesPattern("[0-9a-f]{32}"))
                .header("X-Span-Id", matchesPattern("[0-9a-f]{16}"));
        assertArrayEquals(viaJson, raw.asByteArray());
        assertEquals(SAMPLE_RATE / 2, Wav.decode(raw.asByteArray()).frames());
    }

    @Test
    void clientJobIdAndTraceIdRoundTrip() {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        given().contentType(ContentType.JSON)
                .header("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01")
                .queryParam("client_job_id", "550e8400-e29b-41d4-a716-446655440000")
                .body("{\"prompt\": \"birds\", \"duration\": 0.5}")
                .when().post("/predict")
                .then().statusCode(200)
                .body("meta.client_job_id", equalTo("550e8400-e29b-41d4-a716-446655440000"))
                .body("meta.trace_id", equalTo(traceId))
                .body("meta.span_id", matchesPattern("[0-9a-f]{16}"));
    }

    @Test
    void metaKeysArePresentEvenWhenUnknown() {
        predict("{\"prompt\": \"birds\", \"duration\": 0.5}").then().statusCode(200)
                .body("meta", org.hamcrest.Matchers.hasKey("client_job_id"))
                .body("meta.client_job_id", nullValue());
    }

    /**
     * Durations whose latent height leaves the vocoder short of int(duration * rate) (issue 14, defect 1: they
     * answered 500): 200, with the length made, as diffusers returns it; the WAV says the same.
     */
    @ParameterizedTest
    @ValueSource(doubles = {1.13, 1.17, 2.01, 2.53})
    void durationsTheVocoderFallsShortOfAnswerTheLengthMade(double duration) {
        Response response = predict("{\"prompt\": \"rain\", \"duration\": " + duration + ", \"seed\": 1}");
        response.then().statusCode(200);
        int samples = response.path("num_samples");
        assertTrue(samples < (int) (duration * SAMPLE_RATE), samples + " samples");
        assertEquals((double) samples / SAMPLE_RATE, response.<Float>path("duration"), 1e-6);
        assertEquals(samples, Wav.decode(Base64.getDecoder().decode(response.<String>path("audio_b64"))).frames());
    }

    /** The default profile's answer names in the OpenAPI document (the fleet's: FleetProfileTest). */
    @Test
    void theOpenApiDocumentShowsThisServicesAnswerNames() {
        given().when().get("/q/openapi?format=json").then().statusCode(200)
                .body("components.schemas.PredictResponse.properties", hasKey("audio_b64"))
                .body("components.schemas.PredictResponse.properties", hasKey("meta"))
                .body("components.schemas.PredictResponse.properties", not(hasKey("audio_base64")))
                .body("components.schemas.Candidate.properties", hasKey("audio_b64"));
    }
}
