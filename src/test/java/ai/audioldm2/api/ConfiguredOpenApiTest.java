package ai.audioldm2.api;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

/** The OpenAPI document shows the limits and defaults in effect, not the ones the code was written with. */
@QuarkusTest
@TestProfile(ConfiguredOpenApiTest.OtherLimits.class)
class ConfiguredOpenApiTest {

    /** An operator's limits and defaults, unlike the built-in and the test profile's. */
    public static class OtherLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("audioldm2.limits.max-duration", "12.5",
                    "audioldm2.limits.max-steps", "321",
                    "audioldm2.limits.max-batch-items", "3",
                    "audioldm2.defaults.duration", "2.5",
                    "audioldm2.defaults.scheduler", "dpm++2m",
                    "audioldm2.defaults.negative-prompt", "Low quality.");
        }
    }

    @Test
    void theRequestSchemaShowsTheConfiguredValues() {
        String request = "components.schemas.PredictRequest.properties.";
        given().when().get("/q/openapi?format=json").then().statusCode(200)
                .body(request + "duration.maximum", equalTo(12.5f))
                .body(request + "duration.minimum", equalTo(0.25f))  // the test profile's
                .body(request + "duration.default", equalTo(2.5f))
                .body(request + "num_inference_steps.maximum", equalTo(321))
                .body(request + "num_inference_steps.default", equalTo(2))
                .body(request + "scheduler.default", equalTo("dpm++2m"))
                .body(request + "scheduler.enum[0]", equalTo("ddim"))
                .body(request + "negative_prompt.default", equalTo("Low quality."))
                .body(request + "prompt.maxLength", equalTo(2000))
                .body(request + "strength.default", equalTo(0.5f))
                .body(request + "num_waveforms_per_prompt.maximum", equalTo(4))
                .body("components.schemas.BatchRequest.properties.requests.maxItems", equalTo(3))
                .body("components.schemas.BatchRequest.properties.requests.minItems", equalTo(1));
    }

    @Test
    void theParserEnforcesWhatTheDocumentShows() {
        given().contentType("application/json").body("{\"prompt\": \"p\", \"duration\": 12.6}")
                .when().post("/predict").then().statusCode(422)
                .body("detail[0].loc", equalTo(List.of("body", "duration")))
                .body("detail[0].msg", equalTo("Input should be less than or equal to 12.5"));
    }
}
