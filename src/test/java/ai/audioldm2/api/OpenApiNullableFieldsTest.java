package ai.audioldm2.api;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.hasItem;

/**
 * Found by scripts/reliability's schemathesis run: every /predict answer carries {@code strength},
 * {@code candidates} and the {@code meta} ids as null when they do not apply, but /q/openapi declared them plain
 * {@code number}/{@code array}/{@code string}, so a client generated from the document rejected ordinary answers.
 */
@QuarkusTest
class OpenApiNullableFieldsTest {

    @Test
    void theFieldsAnAnswerSendsAsNullAreNullableInTheDocument() {
        String response = "components.schemas.PredictResponse.properties.";
        String meta = "components.schemas.ResponseMeta.properties.";
        given().when().get("/q/openapi?format=json").then().statusCode(200)
                .body(response + "strength.type", hasItem("null"))
                .body(response + "candidates.type", hasItem("null"))
                .body("components.schemas.Candidate.properties.score.type", hasItem("null"))
                .body(meta + "client_job_id.type", hasItem("null"))
                .body(meta + "trace_id.type", hasItem("null"))
                .body(meta + "span_id.type", hasItem("null"));
    }
}
