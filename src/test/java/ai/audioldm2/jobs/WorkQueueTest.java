package ai.audioldm2.jobs;

import ai.audioldm2.telemetry.ServiceMetrics;
import ai.audioldm2.telemetry.ServiceMetrics.FailureKind;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The work queue through real HTTP requests. The test profile runs one worker and one waiting place. To fill
 * them deterministically the test occupies the worker with a job that waits for a latch, submitted to the
 * service's own queue, instead of racing generations against the clock.
 */
@QuarkusTest
class WorkQueueTest {

    private static final String SHORT = "{\"prompt\": \"a dog barks\", \"duration\": 0.5}";
    /** The API's step limit: long enough to be caught running. */
    private static final int MANY_STEPS = 500;

    @Inject
    GenerationService generation;

    @Inject
    ServiceMetrics metrics;

    @Inject
    JobService jobs;

    @Inject
    MeterRegistry registry;

    @TestHTTPResource("/")
    URL base;

    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void modelLoadedAndIdle() {
        Eventually.modelReady(generation);
        // stored jobs of other test classes (same application) would otherwise reach the worker mid-test
        Eventually.await("no stored job is waiting or running", () -> jobs.list(JobStatus.QUEUED, 1).isEmpty()
                && jobs.list(JobStatus.RUNNING, 1).isEmpty());
        Eventually.await("the queue is idle", () -> generation.queue().running() == 0 && generation.queue().queued() == 0);
    }

    @AfterEach
    void releaseWorker() {
        release.countDown();
    }

    /** Holds the only worker until {@link #release} opens. */
    private void occupyTheWorker() {
        CountDownLatch started = new CountDownLatch(1);
        generation.queue().submit(cancelled -> {
            started.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        });
        Eventually.await("the blocker runs", () -> started.getCount() == 0);
    }

    private CompletableFuture<HttpResponse<String>> sendAsync(String json) {
        return sendAsync("predict", json);
    }

    private CompletableFuture<HttpResponse<String>> sendAsync(String path, String json) {
        return HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(URI.create(base + path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A client that sends /predict and can hang up without reading the answer. */
    private Socket sendAndKeepOpen(String json) throws IOException {
        Socket socket = new Socket(base.getHost(), base.getPort());
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return socket;
    }

    private double denoisingSteps() {
        var counter = registry.find("audioldm2.denoising.steps").counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void requestsWaitInTheQueueAndAFullQueueAnswers503AtOnce() throws Exception {
        occupyTheWorker();
        CompletableFuture<HttpResponse<String>> waiting = sendAsync(SHORT);
        Eventually.await("the request waits in the queue", () -> generation.queue().queued() == 1);

        given().contentType(ContentType.JSON).body(SHORT).when().post("/predict")
                .then().statusCode(503).contentType(ContentType.JSON)
                .header("Retry-After", "7")
                .body("detail", startsWith("the generation queue is full"));
        assertTrue(!waiting.isDone(), "the queued request is still waiting, not refused");
        // Busy workers do not hold up the event loop: health still answers.
        given().when().get("/health").then().statusCode(200);

        release.countDown();
        HttpResponse<String> served = waiting.get(60, TimeUnit.SECONDS);
        assertEquals(200, served.statusCode(), served.body());
    }

    @Test
    void aBatchTakesOnePlacePerValidRequest() throws Exception {
        occupyTheWorker();                                       // one waiting place left
        String two = "{\"requests\": [" + SHORT + ", " + SHORT + "]}";
        given().contentType(ContentType.JSON).body(two).when().post("/predict/batch")
                .then().statusCode(503).header("Retry-After", "7")
                .body("detail", startsWith("the generation queue is full"));

        // one valid request and one refused: it needs only one place
        CompletableFuture<HttpResponse<String>> waiting = sendAsync("predict/batch",
                "{\"requests\": [" + SHORT + ", {\"prompt\": \"\"}]}");
        Eventually.await("the batch waits in the queue", () -> generation.queue().queued() == 1);
        given().contentType(ContentType.JSON).body(SHORT).when().post("/predict").then().statusCode(503);

        release.countDown();
        HttpResponse<String> served = waiting.get(60, TimeUnit.SECONDS);
        assertEquals(200, served.statusCode(), served.body());
        assertTrue(served.body().contains("\"status_code\":422"), served.body());
    }

    @Test
    void aClientThatLeavesWhileQueuedIsRemovedFromTheQueue() throws Exception {
        occupyTheWorker();
        double cancelledBefore = metrics.failures(FailureKind.CANCELLED);
        double stepsBefore = denoisingSteps();
        try (Socket client = sendAndKeepOpen(SHORT)) {
            Eventually.await("the request waits in the queue", () -> generation.queue().queued() == 1);
        }
        Eventually.await("the queue is empty again", () -> generation.queue().queued() == 0);
        Eventually.await("the cancellation is counted",
                () -> metrics.failures(FailureKind.CANCELLED) == cancelledBefore + 1);

        release.countDown();
        Eventually.await("the worker is idle", () -> generation.queue().running() == 0);
        assertEquals(stepsBefore, denoisingSteps(), "the withdrawn job never ran a step");
    }

    @Test
    void aRunningJobWhoseClientLeftStopsBetweenStepsAndFreesItsWorker() throws Exception {
        double cancelledBefore = metrics.failures(FailureKind.CANCELLED);
        double stepsBefore = denoisingSteps();
        try (Socket client = sendAndKeepOpen("{\"prompt\": \"a long one\", \"duration\": 0.5, \"num_inference_steps\": "
                + MANY_STEPS + "}")) {
            Eventually.await("the job has run a step", () -> denoisingSteps() > stepsBefore);
        }
        Eventually.await("the cancellation is counted",
                () -> metrics.failures(FailureKind.CANCELLED) == cancelledBefore + 1);
        Eventually.await("the worker is free", () -> generation.queue().running() == 0);
        double stepsRun = denoisingSteps() - stepsBefore;
        assertTrue(stepsRun < MANY_STEPS, "stopped after " + stepsRun + " of " + MANY_STEPS + " steps");

        given().contentType(ContentType.JSON).body(SHORT).when().post("/predict").then().statusCode(200);
    }

    @Test
    void queueMetricsArePublished() {
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("audioldm2_queue_depth"))
                .body(containsString("audioldm2_jobs_running"));
        given().contentType(ContentType.JSON).body(SHORT).when().post("/predict").then().statusCode(200);
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("audioldm2_predict_seconds_count{outcome=\"ok\"}"))
                .body(containsString("audioldm2_denoising_steps_total"))
                .body(containsString("audioldm2_denoising_steps_per_second_count"));
    }
}
