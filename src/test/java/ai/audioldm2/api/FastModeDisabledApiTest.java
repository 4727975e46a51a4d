package ai.audioldm2.api;

import ai.audioldm2.jobs.Eventually;
import ai.audioldm2.jobs.GenerationService;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** A bundle with fast graphs served with audioldm2.runtime.modes left at exact: fast is a 422 naming that key. */
@QuarkusTest
@TestProfile(FastModeDisabledApiTest.FastNotEnabled.class)
class FastModeDisabledApiTest {

    public static class FastNotEnabled implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("audioldm2.model-dir", FastModeApiTest.fixture().toString());
        }
    }

    @Inject
    GenerationService generation;

    @BeforeEach
    void modelLoaded() {
        Eventually.modelReady(generation);
    }

    @Test
    void fastIsRefusedNamingTheRuntimeModes() {
        given().get("/health").then().statusCode(200).body("modes", equalTo(List.of("exact")));
        given().contentType(ContentType.JSON).body("{\"prompt\": \"rain\", \"mode\": \"fast\"}").when()
                .post("/predict").then().statusCode(422)
                .body("detail[0].loc", equalTo(List.of("body", "mode")))
                .body("detail[0].msg", containsString("audioldm2.runtime.modes"));
    }
}
