package ai.audioldm2.api;

import ai.audioldm2.jobs.Eventually;
import ai.audioldm2.jobs.GenerationService;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** No error answer shows a stack trace, a file path or a class name, whatever the fault (issue 14, security). */
@QuarkusTest
class ErrorBodiesLeakNothingTest {

    /** A stack frame, an exception or package-qualified class name, a path of this machine or of the source. */
    private static final Pattern LEAK = Pattern.compile(
            "\\bat [a-z]+\\.|Exception|Error:|\\b(ai\\.audioldm2|java|javax|jakarta|io\\.quarkus|io\\.vertx|com\\.fasterxml)\\."
                    + "|/work/|/root/|/home/|/tmp/|\\.java\\b|models-onnx");

    @Inject
    GenerationService generation;

    @BeforeEach
    void modelLoaded() {
        Eventually.modelReady(generation);
    }

    @ParameterizedTest(name = "{0} {1} {3}")
    @CsvSource(delimiter = '|', value = {
        "POST | /predict         | 400 | {\"prompt\": ",
        "POST | /predict         | 422 | {\"prompt\": \"a\", \"duration\": \"x\", \"foo\": [1]}",
        "POST | /predict         | 400 | {\"prompt\": \"a\", \"audio_input_b64\": \"!!!\"}",
        "POST | /predict         | 400 | {\"prompt\": \"a\", \"audio_input_b64\": \"UklGRiQAAABXQVZFZm10IBAAAAABAAEA\"}",
        "POST | /predict         | 422 | [1, 2]",
        "POST | /predict/batch   | 200 | {\"requests\": [{\"prompt\": \"a\", \"num_inference_steps\": 1e400}]}",
        "GET  | /predict         | 405 | ''",
        "POST | /nowhere         | 404 | {}",
        "GET  | /test-only/fault | 500 | ''",
    })
    void errorAnswersAreJsonDetailsOnly(String method, String path, int status, String body) {
        Response response = given().contentType("application/json").body(body).when().request(method, path);
        String text = response.asString();
        assertEquals(status, response.statusCode(), text);   // 200: a batch answers each slot's error
        assertTrue(text.startsWith("{\"detail\":") || text.startsWith("[{\"status_code\":"), text);
        assertFalse(LEAK.matcher(text).find(), text);
    }
}
