package ai.audioldm2.api;

import ai.audioldm2.jobs.Eventually;
import ai.audioldm2.jobs.GenerationService;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Base64;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every error of /predict, and the framework's own, come back as FastAPI-style JSON from the running app. */
@QuarkusTest
class ErrorResponsesTest {

    /** The test profile's body limit (audioldm2.limits.max-body-size=64K). */
    private static final int BODY_LIMIT = 64 * 1024;

    @Inject
    GenerationService generation;

    @TestHTTPResource("/predict")
    URL predictUrl;

    @BeforeEach
    void modelLoaded() {
        Eventually.modelReady(generation);
    }

    @Test
    void validationErrorsAre422WithEveryProblem() {
        given().contentType(ContentType.JSON)
                .body("{\"prompt\": \"\", \"duration\": 99, \"num_inference_steps\": 0, \"colour\": \"red\"}")
                .when().post("/predict")
                .then().statusCode(422).contentType(ContentType.JSON)
                .body("detail", hasSize(4))
                .body("detail[0].loc", equalTo(List.of("body", "colour")))
                .body("detail[0].type", equalTo("extra_forbidden"))
                .body("detail[1].loc", equalTo(List.of("body", "prompt")))
                .body("detail[2].loc", equalTo(List.of("body", "duration")))
                .body("detail[2].msg", equalTo("Input should be less than or equal to 4"))
                .body("detail[3].loc", equalTo(List.of("body", "num_inference_steps")))
                .body("detail[3].type", equalTo("greater_than_equal"));
    }

    @Test
    void anUnknownSchedulerIsRejectedWithTheLoadedPipelinesList() {
        given().contentType(ContentType.JSON).body("{\"prompt\": \"p\", \"scheduler\": \"no-such-sampler\"}")
                .when().post("/predict")
                .then().statusCode(422)
                .body("detail[0].loc", equalTo(List.of("body", "scheduler")))
                .body("detail[0].type", equalTo("literal_error"))
                .body("detail[0].msg", startsWith("Input should be 'ddim'"));
    }

    @Test
    void whatOnlyThePipelineRefusesIsA422NamingTheField() {
        // Valid JSON, but a lone UTF-16 surrogate cannot be tokenized: the pipeline's own check rejects it.
        given().contentType(ContentType.JSON).body("{\"prompt\": \"a \\ud800 b\"}")
                .when().post("/predict")
                .then().statusCode(422)
                .body("detail[0].loc", equalTo(List.of("body", "prompt")))
                .body("detail[0].type", equalTo("value_error"))
                .body("detail[0].msg", org.hamcrest.Matchers.containsString("unpaired UTF-16 surrogate"));
    }

    @Test
    void anInvalidClientJobIdNamesThePattern() {
        given().contentType(ContentType.JSON).queryParam("client_job_id", "has space")
                .body("{\"prompt\": \"p\"}")
                .when().post("/predict")
                .then().statusCode(422)
                .body("detail[0].loc", equalTo(List.of("query", "client_job_id")))
                .body("detail[0].msg", equalTo("String should match pattern '^[A-Za-z0-9._:-]{1,256}$'"));
    }

    @Test
    void malformedJsonIs400() {
        given().contentType(ContentType.JSON).body("{\"prompt\": \"unterminated")
                .when().post("/predict")
                .then().statusCode(400).contentType(ContentType.JSON)
                .body("detail", startsWith("malformed JSON"));
    }

    @Test
    void badBase64AndUnusableAudioAre400() {
        given().contentType(ContentType.JSON).body("{\"prompt\": \"p\", \"audio_input_b64\": \"%%%\"}")
                .when().post("/predict")
                .then().statusCode(400).body("detail", startsWith("audio_input_b64 is not valid base64"));
        // valid base64 of a truncated WAV (every bad-audio class: AudioToAudioApiTest)
        String encoded = Base64.getEncoder().encodeToString(new byte[] {'R', 'I', 'F', 'F'});
        given().contentType(ContentType.JSON).body("{\"prompt\": \"p\", \"audio_input_b64\": \"" + encoded + "\"}")
                .when().post("/predict")
                .then().statusCode(400).body("detail", startsWith("audio_input_b64: "));
    }

    @Test
    void anOversizeBodyIs413WithJsonWhetherItsLengthIsDeclaredOrNot() throws Exception {
        String oversize = "{\"prompt\": \"" + "a".repeat(BODY_LIMIT) + "\"}";
        given().contentType(ContentType.JSON).body(oversize)
                .when().post("/predict")
                .then().statusCode(413).contentType(ContentType.JSON)
                .body("detail", equalTo("request body larger than " + BODY_LIMIT + " bytes"));

        // A stream of unknown length is sent chunked, so only the server's running count can catch it. HTTP/1.1:
        // an h2c upgrade request is aggregated by Netty below Vert.x, which answers an oversize one with an
        // empty 413 that no handler of ours sees (a known limit, see README).
        HttpResponse<String> chunked = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(predictUrl.toURI())
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(oversize.getBytes())))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(413, chunked.statusCode());
        assertEquals("{\"detail\":\"request body larger than " + BODY_LIMIT + " bytes\"}", chunked.body());
    }

    @Test
    void frameworkErrorsAreJsonToo() {
        given().when().get("/no-such-path").then().statusCode(404).contentType(ContentType.JSON)
                .body("detail", equalTo("Not Found"));
        given().when().get("/predict").then().statusCode(405).contentType(ContentType.JSON)
                .body("detail", equalTo("Method Not Allowed"));
        given().contentType(ContentType.TEXT).body("prompt=x").when().post("/predict")
                .then().statusCode(415).contentType(ContentType.JSON).body("detail", equalTo("Unsupported Media Type"));
        given().contentType(ContentType.JSON).accept(ContentType.HTML).body("{\"prompt\": \"p\"}").when().post("/predict")
                .then().statusCode(406).contentType(ContentType.JSON).body("detail", equalTo("Not Acceptable"));
    }

    @Test
    void aRealFaultIs500WithTheTraceIdAndNoInternals() {
        String traceId = "5bf92f3577b34da6a3ce929d0e0e4737";
        given().header("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01")
                .when().get("/test-only/fault")
                .then().statusCode(500).contentType(ContentType.JSON)
                .body("detail", equalTo("internal error (trace id " + traceId + ")"));
    }

    @Test
    void aMissingBodyIsAValidationError() throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(predictUrl.toString()))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(422, response.statusCode());
        // FastAPI's own answer to a missing body, pydantic v2's keys in its order (issue 16: input is always there)
        assertEquals("{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\"],\"msg\":\"Field required\","
                + "\"input\":null}]}", response.body());
    }
}
