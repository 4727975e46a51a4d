package ai.audioldm2.api;

import ai.audioldm2.bundle.TinyBundle;
import ai.audioldm2.jobs.Eventually;
import ai.audioldm2.jobs.GenerationService;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Fast mode served: a copy of the tiny bundle with a fast block (TinyBundle#fp32Fast, the exact UNet under a
 * guidance interval) and audioldm2.runtime.modes = exact,fast.
 */
@QuarkusTest
@TestProfile(FastModeApiTest.FastServed.class)
class FastModeApiTest {

    public static class FastServed implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("audioldm2.model-dir", fixture().toString(), "audioldm2.runtime.modes", "exact,fast");
        }
    }

    /** A fresh tiny bundle with an fp32 fast block, for a profile's service. */
    static Path fixture() {
        try {
            return TinyBundle.copyWithFast(Files.createTempDirectory("fast-bundle"), TinyBundle.fp32Fast(200, 800));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final String BODY = "{\"prompt\": \"rain\", \"negative_prompt\": \"hum\", \"duration\": 0.5, "
            + "\"num_inference_steps\": 10, \"seed\": 11";

    @Inject
    GenerationService generation;

    @BeforeEach
    void modelLoaded() {
        Eventually.modelReady(generation);
    }

    private static String audio(String mode) {
        return given().contentType(ContentType.JSON).body(BODY + ", \"mode\": \"" + mode + "\"}").when()
                .post("/predict").then().statusCode(200).body("mode", equalTo(mode)).extract().path("audio_b64");
    }

    @Test
    void healthAndTheOpenApiDocumentListBothModes() {
        given().get("/health").then().statusCode(200).body("modes", equalTo(List.of("exact", "fast")));
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body("components.schemas.PredictRequest.properties.mode.enum", equalTo(List.of("exact", "fast")));
    }

    @Test
    void fastModeRunsIsDeterministicAndSaysSo() {
        String fast = audio("fast");
        assertEquals(fast, audio("fast"));
        assertNotEquals(audio("exact"), fast);
        given().contentType(ContentType.JSON).accept("audio/wav").body(BODY + ", \"mode\": \"fast\"}")
                .when().post("/predict").then().statusCode(200).header("X-Mode", "fast");
        given().contentType(ContentType.JSON).body(BODY + ", \"mode\": \"fast\"}").when().post("/jobs")
                .then().statusCode(202).body("request.mode", equalTo("fast"));
    }

    @Test
    void aBatchMayMixModesAndEachItemRunsItsOwn() {
        given().contentType(ContentType.JSON)
                .body("{\"requests\": [" + BODY + ", \"mode\": \"fast\"}, " + BODY + "}]}")
                .when().post("/predict/batch").then().statusCode(200)
                .body("[0].mode", equalTo("fast")).body("[1].mode", equalTo("exact"))
                .body("[0].audio_b64", equalTo(audio("fast")))
                .body("[1].audio_b64", equalTo(audio("exact")));
    }
}
