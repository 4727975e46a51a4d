package ai.audioldm2.health;

import ai.audioldm2.jobs.Eventually;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.hasKey;

/** The listener answers while the model loads in the background, then reports the loaded model. */
@QuarkusTest
@TestProfile(HealthWhileLoadingTest.Gated.class)
class HealthWhileLoadingTest {

    /** Swaps in the gated factory; everything else is the normal test configuration. */
    public static class Gated implements QuarkusTestProfile {
        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(GatedPipelineFactory.class);
        }
    }

    @Test
    void answersLoadingThenOk() {
        given().when().get("/health").then().statusCode(503).contentType(ContentType.JSON)
                .body("status", equalTo("loading"))
                .body("service", equalTo("audioldm2"))
                .body("$", not(hasKey("model")));
        given().when().get("/q/health/ready").then().statusCode(503).body("status", equalTo("DOWN"));
        given().when().get("/q/health/started").then().statusCode(503).body("status", equalTo("DOWN"));
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().contentType(ContentType.JSON).body("{\"prompt\": \"too early\"}").when().post("/predict")
                .then().statusCode(503).header("Retry-After", "7")
                .body("detail", equalTo("the model is still loading; try again shortly"));

        GatedPipelineFactory.GATE.countDown();

        Eventually.await("/health reports ok", () -> RestAssured.get("/health").statusCode() == 200);
        given().when().get("/health").then().body("status", equalTo("ok"));
        given().when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().when().get("/q/health/started").then().statusCode(200);
        given().contentType(ContentType.JSON).body("{\"prompt\": \"now\", \"duration\": 0.5}").when().post("/predict")
                .then().statusCode(200);
    }
}
