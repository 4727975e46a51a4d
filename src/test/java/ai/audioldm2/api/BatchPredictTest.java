package ai.audioldm2.api;

import ai.audioldm2.jobs.Eventually;
import ai.audioldm2.jobs.GenerationService;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** POST /predict/batch against the real application serving the tiny random bundle (test profile: at most 5 items). */
@QuarkusTest
class BatchPredictTest {

    @Inject
    GenerationService generation;

    @BeforeEach
    void modelLoadedAndIdle() {
        Eventually.modelReady(generation);
        Eventually.await("the queue is idle", () -> generation.queue().running() == 0 && generation.queue().queued() == 0);
    }

    private static Response batch(String json) {
        return given().contentType(ContentType.JSON).body(json).when().post("/predict/batch");
    }

    @Test
    void everySlotAnswersItsOwnRequestInOrderAndBadItemsDoNotFailTheOthers() {
        Response response = batch("""
                {"requests": [
                  {"prompt": "a dog barks", "seed": 1, "duration": 0.5, "client_job_id": "first"},
                  {"prompt": "", "duration": 99},
                  {"prompt": "rain on a tin roof", "seed": 2, "duration": 0.5, "guidance_scale": 5.0},
                  5,
                  {"prompt": "birds", "audio_input_b64": "not base64!"}
                ]}""");
        response.then().statusCode(200).contentType(ContentType.JSON)
                .body("$", hasSize(5))
                .body("[0].prompt", equalTo("a dog barks"))
                .body("[0].seed", equalTo(1))
                .body("[0].num_samples", equalTo(8000))
                .body("[0].meta.client_job_id", equalTo("first"))
                .body("[1].status_code", equalTo(422))
                .body("[1].detail[0].loc", equalTo(List.of("body", "requests", 1, "prompt")))
                .body("[1].detail[0].type", equalTo("string_too_short"))
                .body("[1].detail[1].loc", equalTo(List.of("body", "requests", 1, "duration")))
                .body("[2].prompt", equalTo("rain on a tin roof"))
                .body("[2].seed", equalTo(2))
                .body("[2].guidance_scale", equalTo(5.0f))
                .body("[2].meta.client_job_id", equalTo(null))
                .body("[3].status_code", equalTo(422))
                .body("[3].detail[0].loc", equalTo(List.of("body", "requests", 3)))
                .body("[3].detail[0].type", equalTo("model_attributes_type"))
                .body("[4].status_code", equalTo(400))
                .body("[4].detail", startsWith("audio_input_b64 is not valid base64"));
        // each generated item has its own generate_audio span in the caller's trace
        assertNotEquals(response.<String>path("[0].meta.span_id"), response.<String>path("[2].meta.span_id"));
        assertEquals(response.<String>path("[0].meta.trace_id"), response.<String>path("[2].meta.trace_id"));
    }

    /**
     * Items of one shape share the UNet calls, yet each gets the audio it gets alone. The pipeline's batch test
     * measured the float waveforms bit-identical and holds them to 1e-6; a 1e-6 difference can still move a
     * 16-bit PCM sample across a rounding boundary, so samples here may differ by at most 1 LSB.
     */
    @Test
    void aBatchedItemGetsTheAudioItGetsAlone() {
        String first = "{\"prompt\": \"a hammer hitting wood\", \"seed\": 11, \"duration\": 0.5, \"num_inference_steps\": 3}";
        String second = "{\"prompt\": \"thunder far away over the hills\", \"negative_prompt\": \"hiss\", \"seed\": 12, "
                + "\"duration\": 0.5, \"num_inference_steps\": 3, \"guidance_scale\": 6.0}";
        Response together = batch("{\"requests\": [" + first + ", " + second + "]}");
        together.then().statusCode(200);
        int index = 0;
        for (String alone : List.of(first, second)) {
            short[] batched = pcm(together.path("[" + index + "].audio_b64"));
            short[] single = pcm(given().contentType(ContentType.JSON).body(alone).when().post("/predict")
                    .then().statusCode(200).extract().path("audio_b64"));
            assertEquals(single.length, batched.length);
            int worst = 0;
            for (int i = 0; i < single.length; i++) {
                worst = Math.max(worst, Math.abs(single[i] - batched[i]));
            }
            assertTrue(worst <= 1, "item " + index + " differs from its lone run by " + worst + " LSB");
            index++;
        }
        assertNotEquals(List.of(pcm(together.path("[0].audio_b64"))[100]),
                List.of(pcm(together.path("[1].audio_b64"))[100]), "the two items are different audio");
    }

    private static short[] pcm(String audioB64) {
        Wav wav = Wav.decode(Base64.getDecoder().decode(audioB64));
        short[] samples = new short[wav.pcm().length / 2];
        ByteBuffer.wrap(wav.pcm()).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(samples);
        return samples;
    }

    @Test
    void theBodyAsAWholeIsCheckedFirst() {
        String item = "{\"prompt\": \"p\", \"duration\": 0.5}";
        batch("{\"requests\": [" + String.join(", ", java.util.Collections.nCopies(6, item)) + "]}")
                .then().statusCode(422)
                .body("detail[0].loc", equalTo(List.of("body", "requests")))
                .body("detail[0].type", equalTo("too_long"))
                .body("detail[0].msg", equalTo("List should have at most 5 items after validation, not 6"));
        batch("{\"requests\": []}").then().statusCode(422).body("detail[0].type", equalTo("too_short"));
        batch("[" + item + "]").then().statusCode(422).body("detail[0].type", equalTo("model_attributes_type"));
        batch("{\"requests\": [" + item).then().statusCode(400).body("detail", startsWith("malformed JSON"));
    }

    @Test
    void aBatchWithNoValidItemAnswersAtOnceWithItsErrors() {
        batch("{\"requests\": [{\"prompt\": \"p\", \"strength\": 0.5}]}").then().statusCode(200)
                .body("[0].status_code", equalTo(422))
                .body("[0].detail[0].loc", equalTo(List.of("body", "requests", 0, "strength")));
    }

    @Test
    void theOpenApiDocumentDescribesTheBatchAndTheNewFields() {
        Map<String, Object> operation = given().accept(ContentType.JSON).when().get("/q/openapi")
                .then().statusCode(200).extract().path("paths.'/predict/batch'.post");
        assertTrue(operation != null, "POST /predict/batch is documented");
        given().accept(ContentType.JSON).when().get("/q/openapi").then()
                .body("components.schemas.BatchRequest.properties.requests.type", equalTo("array"))
                .body("components.schemas.BatchSlot.oneOf", hasSize(2))
                .body("components.schemas.PredictRequest.properties.audio_input_b64.type", hasItem("string")) // OpenAPI 3.1: [string, null]
                .body("components.schemas.PredictRequest.properties.strength.maximum", equalTo(1.0f))
                // an array, or null with one waveform (OpenAPI 3.1's nullable; OpenApiNullableFieldsTest)
                .body("components.schemas.PredictResponse.properties.candidates.type", equalTo(List.of("array", "null")));
    }
}
