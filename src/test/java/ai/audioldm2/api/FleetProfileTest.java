package ai.audioldm2.api;

import ai.audioldm2.jobs.Eventually;
import ai.audioldm2.jobs.GenerationService;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.aMapWithSize;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The fleet profile (issue 16): answers named as the fleet's Python audioldm2 service and hrserve name them
 * (audio_base64, metadata), its default negative prompt, and an OpenAPI document that says so. The default
 * profile's names are held by {@link PredictResourceTest}.
 */
@QuarkusTest
@TestProfile(FleetProfileTest.Fleet.class)
class FleetProfileTest {

    @Inject
    GenerationService generation;

    @BeforeEach
    void modelLoaded() {
        Eventually.modelReady(generation);
    }

    private static final String BODY = "{\"prompt\": \"a dog barks\", \"seed\": 3, \"client_job_id\": \"job-1\"}";

    /** The fleet profile on top of the test profile's small limits and the tiny bundle. */
    public static class Fleet implements QuarkusTestProfile {
        @Override
        public String getConfigProfile() {
            return "test,fleet";
        }
    }

    @Test
    void answersCarryTheFleetsNames() {
        JsonPath answer = given().contentType("application/json").body(BODY).when().post("/predict")
                .then().statusCode(200)
                .body("$", not(hasKey("audio_b64")))
                .body("$", not(hasKey("meta")))
                .body("mode", equalTo("exact"))     // named the same in both profiles
                .body("metadata", aMapWithSize(3))
                .body("metadata.client_job_id", equalTo("job-1"))
                .body("metadata.trace_id", matchesPattern("[0-9a-f]{32}"))   // the test profile records spans
                .body("metadata.span_id", matchesPattern("[0-9a-f]{16}"))
                .body("sample_rate", equalTo(16000))
                .extract().jsonPath();
        byte[] wav = Base64.getDecoder().decode(answer.getString("audio_base64"));
        assertEquals(answer.getInt("num_samples"), Wav.decode(wav).frames());
    }

    @Test
    void batchSlotsAndCandidatesCarryTheFleetsNames() {
        given().contentType("application/json")
                .body("{\"requests\": [" + BODY + ", {\"prompt\": \"rain\", \"num_waveforms_per_prompt\": 2}]}")
                .when().post("/predict/batch").then().statusCode(200)
                .body("[0]", hasKey("audio_base64"))
                .body("[0].metadata.client_job_id", equalTo("job-1"))
                .body("[1].candidates[0]", hasKey("audio_base64"))
                .body("[1].candidates[0]", not(hasKey("audio_b64")));
    }

    @Test
    void theOpenApiDocumentShowsTheFleetsNamesAndDefault() {
        given().when().get("/q/openapi?format=json").then().statusCode(200)
                .body("components.schemas.PredictResponse.properties", hasKey("audio_base64"))
                .body("components.schemas.PredictResponse.properties", hasKey("metadata"))
                .body("components.schemas.PredictResponse.properties", not(hasKey("audio_b64")))
                .body("components.schemas.Candidate.properties", hasKey("audio_base64"))
                .body("components.schemas.PredictRequest.properties.negative_prompt.default",
                        equalTo("Low quality, distorted, noise."));
    }

    @Test
    void errorsAreTheSameInBothProfiles() {
        given().contentType("application/json").body("{\"prompt\": \"p\", \"duration\": 99}")
                .when().post("/predict").then().statusCode(422)
                .body("detail[0].loc", equalTo(List.of("body", "duration")))
                .body("detail[0].input", equalTo(99))
                .body("detail[0].ctx", equalTo(Map.of("le", 4.0f)));
    }

    /** A job's result is the /predict answer under the same names, its audio by URL only. */
    @Test
    void jobResultsCarryTheFleetsNamesAndNoBase64() {
        String id = given().contentType("application/json").body(BODY).when().post("/jobs")
                .then().statusCode(202).extract().path("id");
        Eventually.await("job " + id + " finishes", () -> !List.of("queued", "running").contains(
                given().when().get("/jobs/" + id).then().extract().<String>path("status")));
        given().when().get("/jobs/" + id).then().statusCode(200)
                .body("status", equalTo("succeeded"))
                .body("result.metadata.client_job_id", equalTo("job-1"))
                .body("result", not(hasKey("meta")))
                .body("result", not(hasKey("audio_base64")))
                .body("result", not(hasKey("audio_b64")))
                .body("result.audio_url", equalTo("/jobs/" + id + "/audio"));
    }
}
