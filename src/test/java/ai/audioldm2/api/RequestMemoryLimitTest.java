package ai.audioldm2.api;

import ai.audioldm2.jobs.Eventually;
import ai.audioldm2.jobs.GenerationService;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 14, defect 2: a request heavier than audioldm2.limits.max-request-memory is refused with 422 before it is
 * queued, naming the largest duration allowed at its settings. A small budget on the tiny bundle stands in for a big
 * bundle: 300 MB lets the test profile's longest duration (4 s) just exceed it.
 */
@QuarkusTest
@TestProfile(RequestMemoryLimitTest.SmallBudget.class)
class RequestMemoryLimitTest {

    public static class SmallBudget implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("audioldm2.limits.max-request-memory", "300M");
        }
    }

    private static final Pattern LARGEST = Pattern.compile("allows at these settings is ([0-9.]+) s");

    @Inject
    GenerationService generation;

    @BeforeEach
    void modelLoaded() {
        Eventually.modelReady(generation);
    }

    private static String refusal(String body) {
        return given().contentType("application/json").body(body).when().post("/predict")
                .then().statusCode(422)
                .body("detail", hasSize(1))
                .body("detail[0].loc", equalTo(List.of("body", "duration")))
                .body("detail[0].msg", containsString("audioldm2.limits.max-request-memory"))
                .extract().path("detail[0].msg");
    }

    private static double largest(String message) {
        Matcher m = LARGEST.matcher(message);
        assertTrue(m.find(), message);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void theLongestDurationIsRefusedAndTheSuggestedOneRuns() {
        double suggested = largest(refusal("{\"prompt\": \"rain\", \"duration\": 4.0, \"seed\": 1}"));
        assertTrue(suggested < 4.0 && suggested >= 0.25, String.valueOf(suggested));
        given().contentType("application/json")
                .body("{\"prompt\": \"rain\", \"num_inference_steps\": 1, \"duration\": " + suggested + "}")
                .when().post("/predict").then().statusCode(200);
    }

    @Test
    void theSuggestionDependsOnTheSettings() {
        double guided = largest(refusal("{\"prompt\": \"rain\", \"duration\": 4.0}"));
        double twoWaveforms = largest(refusal("{\"prompt\": \"rain\", \"duration\": 4.0, "
                + "\"num_waveforms_per_prompt\": 2}"));
        assertTrue(twoWaveforms < guided, twoWaveforms + " vs " + guided);
    }

    @Test
    void healthAndTheOpenApiDocumentPublishTheMaximum() {
        double suggested = largest(refusal("{\"prompt\": \"rain\", \"duration\": 4.0}"));
        given().when().get("/health").then().statusCode(200)
                .body("max_duration_seconds", equalTo((float) suggested));
        given().when().get("/q/openapi?format=json").then().statusCode(200)
                .body("components.schemas.PredictRequest.properties.duration.maximum", equalTo((float) suggested));
    }

    @Test
    void aBatchOfRequestsThatFitAloneRunsWithinTheBudget() {
        double suggested = largest(refusal("{\"prompt\": \"rain\", \"duration\": 4.0}"));
        String item = "{\"prompt\": \"rain\", \"num_inference_steps\": 1, \"duration\": " + suggested + "}";
        given().contentType("application/json").body("{\"requests\": [" + item + ", " + item + "]}")
                .when().post("/predict/batch").then().statusCode(200).body("$", hasSize(2));
    }
}
