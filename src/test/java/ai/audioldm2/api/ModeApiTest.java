package ai.audioldm2.api;

import ai.audioldm2.bundle.ModelBundle;
import ai.audioldm2.bundle.TinyBundle;
import ai.audioldm2.jobs.Eventually;
import ai.audioldm2.jobs.GenerationService;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * The request mode on the default test service (the committed tiny bundle, audioldm2.runtime.modes = exact):
 * exact by default and said so in every answer; fast refused with 422 naming what is missing; a bad value is a
 * pydantic literal error. Fast mode served is in {@link FastModeApiTest}.
 */
@QuarkusTest
class ModeApiTest {

    private static final String BODY = "{\"prompt\": \"rain\", \"duration\": 0.5, \"num_inference_steps\": 2, "
            + "\"seed\": 3";

    @Inject
    GenerationService generation;

    @BeforeEach
    void modelLoaded() {
        Eventually.modelReady(generation);
    }

    @Test
    void exactIsTheDefaultAndEveryAnswerSaysSo() {
        given().contentType(ContentType.JSON).body(BODY + "}").when().post("/predict")
                .then().statusCode(200).body("mode", equalTo("exact"));
        given().contentType(ContentType.JSON).accept("audio/wav").body(BODY + ", \"mode\": \"exact\"}")
                .when().post("/predict").then().statusCode(200).header("X-Mode", "exact");
        given().contentType(ContentType.JSON).body("{\"requests\": [" + BODY + "}]}").when().post("/predict/batch")
                .then().statusCode(200).body("[0].mode", equalTo("exact"));
        String id = given().contentType(ContentType.JSON).body(BODY + "}").when().post("/jobs")
                .then().statusCode(202).body("request.mode", equalTo("exact")).extract().path("id");
        Eventually.await("job " + id + " finishes", () -> "succeeded".equals(
                given().get("/jobs/" + id).jsonPath().getString("status")));
        given().get("/jobs/" + id).then().body("request.mode", equalTo("exact")).body("result.mode", equalTo("exact"));
    }

    @Test
    void healthAndTheOpenApiDocumentListTheModesServed() {
        given().get("/health").then().statusCode(200).body("modes", equalTo(List.of("exact")));
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body("components.schemas.PredictRequest.properties.mode.enum", equalTo(List.of("exact")))
                .body("components.schemas.PredictRequest.properties.mode.default", equalTo("exact"));
    }

    @Test
    void fastIsRefusedNamingWhatIsMissing() {
        // the committed bundle without a fast block needs the export flag; with one, this service's modes
        String missing = ModelBundle.manifestOf(TinyBundle.DIR).fast() == null
                ? "scripts/export_onnx.py ... --fast" : "audioldm2.runtime.modes";
        given().contentType(ContentType.JSON).body(BODY + ", \"mode\": \"fast\"}").when().post("/predict")
                .then().statusCode(422)
                .body("detail[0].loc", equalTo(List.of("body", "mode")))
                .body("detail[0].msg", containsString(missing));
        given().contentType(ContentType.JSON).body("{\"requests\": [" + BODY + ", \"mode\": \"fast\"}]}")
                .when().post("/predict/batch").then().statusCode(200)
                .body("[0].status_code", equalTo(422))
                .body("[0].detail[0].loc", equalTo(List.of("body", "requests", 0, "mode")));
        given().contentType(ContentType.JSON).body(BODY + ", \"mode\": \"fast\"}").when().post("/jobs")
                .then().statusCode(422).body("detail[0].msg", containsString(missing));
    }

    @Test
    void aModeThatIsNoneIsALiteralError() {
        given().contentType(ContentType.JSON).body(BODY + ", \"mode\": \"turbo\"}").when().post("/predict")
                .then().statusCode(422)
                .body("detail[0].loc", equalTo(List.of("body", "mode")))
                .body("detail[0].type", equalTo("literal_error"))
                .body("detail[0].msg", equalTo("Input should be 'exact' or 'fast'"));
    }
}
