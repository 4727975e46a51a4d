package ai.audioldm2.api;

import ai.audioldm2.audio.WavWriter;
import ai.audioldm2.jobs.Eventually;
import ai.audioldm2.jobs.GenerationService;
import ai.audioldm2.jobs.JobStoreSelection;
import io.agroal.api.AgroalDataSource;
import io.quarkus.agroal.DataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The /jobs API on the embedded store (a fresh H2 file under target/test-data) and the tiny bundle. */
@QuarkusTest
class JobsResourceTest {

    private static final String UUID4 = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

    @Inject
    GenerationService generation;

    @Inject
    @DataSource(JobStoreSelection.EMBEDDED)
    AgroalDataSource store;

    @BeforeEach
    void modelLoaded() {
        Eventually.modelReady(generation);
    }

    private static Response submit(String json) {
        return given().contentType(ContentType.JSON).body(json).when().post("/jobs");
    }

    private static String submitted(String json) {
        Response response = submit(json);
        response.then().statusCode(202);
        return response.jsonPath().getString("id");
    }

    private static JsonPath finished(String id) {
        Eventually.await("job " + id + " finishes", () -> !List.of("queued", "running")
                .contains(given().get("/jobs/" + id).jsonPath().getString("status")));
        return given().get("/jobs/" + id).jsonPath();
    }

    @Test
    void acceptsWith202LocationAndTheQueuedView() {
        Response response = submit("{\"prompt\": \"rain\", \"duration\": 0.5, \"client_job_id\": \"c-1\"}");
        response.then().statusCode(202).contentType(ContentType.JSON)
                .header("Location", matchesPattern("/jobs/" + UUID4))
                .body("id", matchesPattern(UUID4))
                .body("status", matchesPattern("queued|running|succeeded"))
                .body("created_at", notNullValue())
                .body("request.prompt", equalTo("rain"))
                .body("request.seed", notNullValue()) // chosen at submit
                .body("request.num_inference_steps", equalTo(2))
                .body("request.client_job_id", equalTo("c-1"))
                .body("result", nullValue())
                .body("error", nullValue())
                .body("progress", hasKey("eta_seconds"));
        assertEquals("/jobs/" + response.jsonPath().getString("id"),
                URI.create(response.header("Location")).getPath());
    }

    @Test
    void aSucceededJobAnswersWhatPredictAnswersByteForByte() {
        String body = "{\"prompt\": \"a hammer\", \"duration\": 0.5, \"seed\": 11, \"num_inference_steps\": 3}";
        String id = submitted(body);
        JsonPath job = finished(id);
        assertEquals("succeeded", job.getString("status"));
        assertEquals(1.0f, job.getFloat("progress.fraction"));
        assertEquals("/jobs/" + id + "/audio", job.getString("result.audio_url"));
        assertEquals(11, job.getInt("result.seed"));
        assertTrue(!job.getMap("result").containsKey("audio_b64"));
        assertTrue(job.getString("started_at") != null && job.getString("finished_at") != null);

        byte[] jobWav = given().get("/jobs/" + id + "/audio").then().statusCode(200).contentType("audio/wav")
                .extract().asByteArray();
        byte[] predictWav = given().contentType(ContentType.JSON).accept("audio/wav").body(body).post("/predict")
                .then().statusCode(200).extract().asByteArray();
        assertArrayEquals(predictWav, jobWav);

        byte[] png = given().get("/jobs/" + id + "/spectrogram.png").then().statusCode(200)
                .contentType("image/png").extract().asByteArray();
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);
    }

    @Test
    void damagedStoredAudioIsNeverServedAndTheJobRunsAgain() throws Exception {
        String id = submitted("{\"prompt\": \"fragile\", \"duration\": 0.5, \"seed\": 5}");
        finished(id);
        byte[] original = given().get("/jobs/" + id + "/audio").then().statusCode(200).extract().asByteArray();
        try (Connection connection = store.getConnection();
             PreparedStatement damage = connection.prepareStatement(
                     "UPDATE job_audio SET wav = ? WHERE job_id = ?")) {
            damage.setBytes(1, new byte[] {'R', 'I', 'F', 'F'});
            damage.setString(2, id);
            assertEquals(1, damage.executeUpdate());
        }
        given().get("/jobs/" + id + "/audio").then().statusCode(409).body("detail", containsString("damaged"));
        assertEquals("succeeded", finished(id).getString("status"));
        assertArrayEquals(original, given().get("/jobs/" + id + "/audio").then().statusCode(200).extract()
                .asByteArray());
    }

    @Test
    void theRunContinuesTheSubmitsTrace() {
        String traceId = "0af7651916cd43dd8448eb211c80319c";
        Response response = given().contentType(ContentType.JSON)
                .header("traceparent", "00-" + traceId + "-b7ad6b7169203331-01")
                .body("{\"prompt\": \"traced\", \"duration\": 0.5}").post("/jobs");
        response.then().statusCode(202);
        JsonPath job = finished(response.jsonPath().getString("id"));
        assertEquals(traceId, job.getString("result.meta.trace_id"));
        assertTrue(job.getString("result.meta.span_id").matches("[0-9a-f]{16}"));
    }

    @Test
    void anAudioToAudioJobRunsItsStoredInputAndIsNotShownIt() {
        float[] samples = new float[12000];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (float) (0.4 * Math.sin(2 * Math.PI * 330 * i / 16000.0));
        }
        String body = "{\"prompt\": \"a cat\", \"seed\": 3, \"strength\": 0.6, \"audio_input_b64\": \""
                + Base64.getEncoder().encodeToString(WavWriter.toBytes(samples, 16000, WavWriter.SampleFormat.PCM16))
                + "\"}";
        Response submitted = submit(body);
        submitted.then().statusCode(202).body("request.strength", equalTo(0.6f))
                .body("request.duration", equalTo(0.75f)).body("request", not(hasKey("audio_input_b64")));
        String id = submitted.jsonPath().getString("id");
        assertEquals("succeeded", finished(id).getString("status"));
        byte[] predictWav = given().contentType(ContentType.JSON).accept("audio/wav").body(body).post("/predict")
                .then().statusCode(200).extract().asByteArray();
        assertArrayEquals(predictWav, given().get("/jobs/" + id + "/audio").then().statusCode(200).extract()
                .asByteArray());
    }

    @Test
    void candidatesHaveTheirOwnUrls() {
        String id = submitted("{\"prompt\": \"birds\", \"duration\": 0.5, \"num_waveforms_per_prompt\": 2}");
        JsonPath job = finished(id);
        assertEquals("/jobs/" + id + "/audio?candidate=1", job.getString("result.candidates[1].audio_url"));
        given().get("/jobs/" + id + "/audio?candidate=1").then().statusCode(200).contentType("audio/wav");
        given().get("/jobs/" + id + "/audio?candidate=2").then().statusCode(409).body("detail", notNullValue());
        given().get("/jobs/" + id + "/audio?candidate=x").then().statusCode(422);
    }

    @Test
    void validationErrorsAreExactlyPredicts() {
        String bad = "{\"prompt\": \"\", \"duration\": 99}";
        Response predict = given().contentType(ContentType.JSON).body(bad).post("/predict");
        Response jobs = submit(bad);
        assertEquals(422, jobs.statusCode());
        assertEquals(predict.jsonPath().getList("detail"), jobs.jsonPath().getList("detail"));
        submit("{not json").then().statusCode(400).body("detail", notNullValue());
    }

    @Test
    void unknownAndMalformedIdsAre404() {
        for (String path : List.of("/jobs/" + UUID.randomUUID(), "/jobs/not-an-id", "/jobs/%27%3B--",
                "/jobs/" + UUID.randomUUID() + "/audio", "/jobs/nope/events", "/jobs/nope/spectrogram.png")) {
            given().get(path).then().statusCode(404).contentType(ContentType.JSON).body("detail", notNullValue());
        }
        given().delete("/jobs/" + UUID.randomUUID()).then().statusCode(404).body("detail", notNullValue());
    }

    @Test
    void deletingAFinishedJobRemovesItAndItsAudio() {
        String id = submitted("{\"prompt\": \"wind\", \"duration\": 0.5}");
        finished(id);
        given().delete("/jobs/" + id).then().statusCode(204);
        given().get("/jobs/" + id).then().statusCode(404);
        given().get("/jobs/" + id + "/audio").then().statusCode(404);
        given().delete("/jobs/" + id).then().statusCode(404);
    }

    @Test
    void aCancelledJobStopsAndHasNoAudio() {
        String id = submitted("{\"prompt\": \"long\", \"duration\": 4.0, \"num_inference_steps\": 400}");
        given().delete("/jobs/" + id).then().statusCode(200).body("status", equalTo("cancelled"))
                .body("finished_at", notNullValue());
        given().get("/jobs/" + id + "/audio").then().statusCode(409).body("detail", startsWith("job " + id));
        // its worker is free again: the next job runs
        assertEquals("succeeded", finished(submitted("{\"prompt\": \"next\", \"duration\": 0.5}")).getString("status"));
    }

    @Test
    void audioOfAnUnfinishedJobIs409() {
        String id = submitted("{\"prompt\": \"slow\", \"duration\": 2.0, \"num_inference_steps\": 200}");
        given().get("/jobs/" + id + "/audio").then().statusCode(409).body("detail", notNullValue());
        given().delete("/jobs/" + id).then().statusCode(200);
    }

    @Test
    void listsNewestFirstAndFilters() {
        String first = submitted("{\"prompt\": \"one\", \"duration\": 0.5}");
        String second = submitted("{\"prompt\": \"two\", \"duration\": 0.5}");
        finished(first);
        finished(second);
        List<String> ids = given().get("/jobs?limit=2").then().statusCode(200).extract().jsonPath().getList("jobs.id");
        assertEquals(List.of(second, first), ids);
        List<String> statuses = given().get("/jobs?status=succeeded&limit=1000").jsonPath().getList("jobs.status");
        assertTrue(statuses.stream().allMatch("succeeded"::equals));
        given().get("/jobs?status=bogus").then().statusCode(422);
        given().get("/jobs?limit=0").then().statusCode(422);
    }

    @Test
    void eventsGiveProgressPerStepThenDone() throws Exception {
        // the one worker is busy until the stream is open, so the stream sees the job from the queue to the end
        String blocker = submitted("{\"prompt\": \"blocker\", \"duration\": 4.0, \"num_inference_steps\": 500}");
        String id = submitted("{\"prompt\": \"sse\", \"duration\": 0.5, \"num_inference_steps\": 6}");
        List<String[]> events = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try {
                readEvents(id, Integer.MAX_VALUE, events);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        reader.start();
        Eventually.await("the stream is open", () -> !events.isEmpty());
        given().delete("/jobs/" + blocker).then().statusCode(200);
        reader.join(60_000);
        assertEquals("queued", JsonPath.from(events.get(0)[1]).getString("status"));
        String[] last = events.get(events.size() - 1);
        assertEquals("done", last[0]);
        assertEquals("succeeded", JsonPath.from(last[1]).getString("status"));
        List<Integer> steps = new ArrayList<>();
        for (String[] event : events.subList(0, events.size() - 1)) {
            assertEquals("progress", event[0]);
            JsonPath view = JsonPath.from(event[1]);
            if ("denoising".equals(view.getString("progress.stage")) && view.getInt("progress.step") > 0) {
                steps.add(view.getInt("progress.step"));
            }
        }
        assertTrue(steps.containsAll(List.of(1, 2, 3, 4, 5, 6)), "a progress event per step: " + steps);
        // after the end: done at once
        List<String[]> after = readEvents(id, Integer.MAX_VALUE);
        assertEquals(1, after.size());
        assertEquals("done", after.get(0)[0]);
    }

    @Test
    void aClientLeavingTheEventStreamHarmsNothing() throws Exception {
        String id = submitted("{\"prompt\": \"leave\", \"duration\": 0.5, \"num_inference_steps\": 20}");
        readEvents(id, 1); // reads one event and hangs up
        assertEquals("succeeded", finished(id).getString("status"));
    }

    /** (name, data) of each event until the stream ends or {@code most} were read. */
    private static List<String[]> readEvents(String id, int most) throws Exception {
        List<String[]> events = new ArrayList<>();
        readEvents(id, most, events);
        return events;
    }

    private static void readEvents(String id, int most, List<String[]> events) throws Exception {
        HttpURLConnection connection = (HttpURLConnection) URI.create(
                RestAssured.baseURI + ":" + RestAssured.port + "/jobs/" + id + "/events").toURL().openConnection();
        connection.setReadTimeout(60_000);
        assertEquals(200, connection.getResponseCode());
        assertTrue(connection.getContentType().startsWith("text/event-stream"));
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(connection.getInputStream(),
                StandardCharsets.UTF_8))) {
            String name = null;
            StringBuilder data = new StringBuilder();
            for (String line = lines.readLine(); line != null && events.size() < most; line = lines.readLine()) {
                if (line.startsWith("event:")) {
                    name = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5).strip());
                } else if (line.isEmpty() && name != null) {
                    events.add(new String[] {name, data.toString()});
                    name = null;
                    data.setLength(0);
                }
            }
        } finally {
            connection.disconnect();
        }
    }
}
