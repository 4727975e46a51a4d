package ai.audioldm2.telemetry;

import ai.audioldm2.jobs.Eventually;
import ai.audioldm2.jobs.GenerationService;
import ai.audioldm2.pipeline.Stage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The spans of one /predict, as the tracer provider receives them (exporting is off in tests). */
@QuarkusTest
class TracingTest {

    private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
    private static final String CALLER_SPAN_ID = "b7ad6b7169203331";

    @Inject
    GenerationService generation;

    @Inject
    RecordingSpanProcessor spans;

    @Test
    void generateAudioContinuesTheCallersTraceWithItsAttributesAndOneChildPerStage() {
        Eventually.modelReady(generation);
        String prompt = "x".repeat(150);
        String spanId = given().contentType(ContentType.JSON)
                .header("traceparent", "00-" + TRACE_ID + "-" + CALLER_SPAN_ID + "-01")
                .body("{\"prompt\": \"" + prompt + "\", \"duration\": 0.5, \"num_inference_steps\": 3,"
                        + " \"guidance_scale\": 2.5, \"seed\": 99, \"client_job_id\": \"trace-me\"}")
                .when().post("/predict")
                .then().statusCode(200).extract().path("meta.span_id");

        Eventually.await("the generate_audio span ended", () -> find(spanId) != null);
        SpanData generate = find(spanId);
        assertEquals("generate_audio", generate.getName());
        assertEquals(TRACE_ID, generate.getTraceId());
        assertEquals("x".repeat(100), generate.getAttributes().get(AttributeKey.stringKey("prompt")));
        assertEquals(0.5, generate.getAttributes().get(AttributeKey.doubleKey("duration")));
        assertEquals(3L, generate.getAttributes().get(AttributeKey.longKey("num_inference_steps")));
        assertEquals(2.5, generate.getAttributes().get(AttributeKey.doubleKey("guidance_scale")));
        assertEquals(99L, generate.getAttributes().get(AttributeKey.longKey("seed")));
        assertEquals("ddim", generate.getAttributes().get(AttributeKey.stringKey("scheduler")));
        assertEquals("trace-me", generate.getAttributes().get(AttributeKey.stringKey("client_job_id")));

        // Its parent is the HTTP server span, itself the child of the caller's span.
        SpanData server = spans.ended().stream().filter(s -> s.getSpanId().equals(generate.getParentSpanId()))
                .findFirst().orElseThrow();
        assertEquals(CALLER_SPAN_ID, server.getParentSpanId());

        List<SpanData> children = spans.ended().stream().filter(s -> s.getParentSpanId().equals(spanId)).toList();
        // every stage of a text-to-audio run with one waveform: no audio encoding, no ranking
        Set<String> expected = Arrays.stream(Stage.values()).filter(s -> s != Stage.AUDIO_ENCODING && s != Stage.RANKING)
                .map(Stage::label).collect(Collectors.toSet());
        assertEquals(expected, children.stream().map(SpanData::getName).collect(Collectors.toSet()));
        children.forEach(child -> assertEquals(TRACE_ID, child.getTraceId()));
    }

    private SpanData find(String spanId) {
        return spans.ended().stream().filter(s -> s.getSpanId().equals(spanId)).findFirst().orElse(null);
    }
}
