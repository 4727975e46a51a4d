package ai.audioldm2.health;

import ai.audioldm2.jobs.Eventually;
import ai.audioldm2.jobs.GenerationService;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

/** Health once the tiny bundle is loaded. */
@QuarkusTest
class HealthReadyTest {

    @Inject
    GenerationService generation;

    @Test
    void reportsOkWithTheBundlesSourceIdAndAllProbesUp() throws IOException {
        Eventually.modelReady(generation);
        String sourceId = new ObjectMapper().readTree(Path.of("models-onnx/tiny-random/manifest.json").toFile())
                .path("source").path("id").asText();

        given().when().get("/health").then().statusCode(200).contentType(ContentType.JSON)
                .body("status", equalTo("ok"))
                .body("service", equalTo("audioldm2"))
                .body("version", equalTo("0.1.0"))
                .body("model", equalTo(sourceId));
        for (String probe : new String[] {"live", "ready", "started"}) {
            given().when().get("/q/health/" + probe).then().statusCode(200).body("status", equalTo("UP"));
        }
    }

    @Test
    void openApiAndSwaggerUiAreServed() {
        given().when().get("/q/openapi").then().statusCode(200)
                .body(org.hamcrest.Matchers.containsString("/predict"))
                .body(org.hamcrest.Matchers.containsString("audio_input_b64"));
        given().when().get("/q/swagger-ui/").then().statusCode(200);
    }
}
