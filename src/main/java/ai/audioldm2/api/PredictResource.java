package ai.audioldm2.api;

import ai.audioldm2.audio.WavWriter;
import ai.audioldm2.config.ServiceConfig;
import ai.audioldm2.jobs.Generated;
import ai.audioldm2.jobs.GenerationService;
import ai.audioldm2.jobs.Job;
import ai.audioldm2.jobs.ModelState;
import ai.audioldm2.pipeline.GenerationRequest;
import ai.audioldm2.telemetry.GenerationTracing;
import ai.audioldm2.telemetry.ServiceMetrics;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerResponse;
import jakarta.annotation.PostConstruct;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * POST /predict: text to audio.
 *
 * <p>Threads: the method is {@code @Blocking}, so reading and validating a body of up to the body limit (base64
 * audio included) happens on a Quarkus worker thread, never on the event loop. It then only queues the job and
 * returns a {@link Uni}: that worker thread is free again at once, the generation runs on the
 * {@link ai.audioldm2.jobs.GenerationQueue}'s own workers, and the response is written when the job completes.
 * When the client disconnects, Quarkus REST cancels the Uni, which withdraws the job from the queue or stops it
 * at its next denoising step.
 */
@Path("/predict")
public class PredictResource {

    static final String WAV = "audio/wav";

    @Inject
    GenerationService generation;

    @Inject
    ServiceConfig config;

    @Inject
    ObjectMapper mapper;

    @Inject
    ServiceMetrics metrics;

    @Inject
    GenerationTracing tracing;

    private PredictRequestParser parser;

    @PostConstruct
    void init() {
        parser = new PredictRequestParser(mapper, config.limits(), config.defaults());
    }

    @POST
    @Blocking
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces({MediaType.APPLICATION_JSON, WAV})
    @Operation(summary = "Generate audio from a text prompt",
            description = "JSON answer by default; with `Accept: audio/wav` the WAV itself, metadata in X- headers.")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = PredictRequest.class)))
    @APIResponse(responseCode = "200", description = "the generated audio", content = {
            @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PredictResponse.class)),
            @Content(mediaType = WAV)})
    @APIResponse(responseCode = "400", description = "malformed JSON or base64")
    @APIResponse(responseCode = "413", description = "body larger than the configured limit")
    @APIResponse(responseCode = "422", description = "validation errors, FastAPI style")
    @APIResponse(responseCode = "503", description = "queue full or model not loaded; see Retry-After")
    public Uni<Response> predict(
            byte[] body,
            @Parameter(description = "alternative to the body field client_job_id")
            @QueryParam("client_job_id") String clientJobIdQuery,
            @Context HttpHeaders headers,
            @Context HttpServerResponse connection) {
        long received = System.nanoTime();
        ModelState model = generation.modelState();
        PredictRequest request = parser.parse(body, clientJobIdQuery,
                model.info() == null ? null : model.info().schedulers());
        long seed = request.seed() != null ? request.seed() : ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
        GenerationRequest generationRequest = GenerationRequest.of(request.prompt(), request.negativePrompt(),
                request.duration(), request.numInferenceSteps(), request.guidanceScale(), seed, request.scheduler());
        boolean rawWav = prefersWav(headers.getAcceptableMediaTypes());
        Job<Generated> job = generation.submit(generationRequest, request.clientJobId(),
                tracing.parentOf(headers::getHeaderString));
        return Uni.createFrom().completionStage(job.result())
                .map(generated -> rawWav
                        ? wavResponse(request, generated)
                        : Response.ok(jsonBody(request, generated), MediaType.APPLICATION_JSON_TYPE).build())
                // Quarkus REST cancels the Uni when the connection closes; a client that left before the Uni was
                // subscribed (while the body was being validated) is caught by the check at subscription.
                .onSubscription().invoke(() -> {
                    if (connection.closed()) {
                        job.cancel();
                    }
                })
                .onCancellation().invoke(job::cancel)
                .onTermination().invoke((response, failure, cancelled) -> metrics.predictFinished(
                        cancelled ? "cancelled" : failure != null ? "failed" : "ok",
                        Duration.ofNanos(System.nanoTime() - received)));
    }

    /** True when the client ranks audio/wav (or audio/*) above JSON; *&#47;* means JSON, the default. */
    static boolean prefersWav(List<MediaType> acceptable) {
        for (MediaType type : acceptable) {
            if (!type.isWildcardType() && type.isCompatible(MediaType.valueOf(WAV))) {
                return true;
            }
            if (type.isCompatible(MediaType.APPLICATION_JSON_TYPE)) {
                return false;
            }
        }
        return false;
    }

    private static PredictResponse jsonBody(PredictRequest request, Generated generated) {
        float[] samples = generated.result().waveforms()[0];
        int sampleRate = generated.result().sampleRate();
        byte[] wav = WavWriter.toBytes(samples, sampleRate, WavWriter.SampleFormat.PCM16);
        return new PredictResponse(Base64.getEncoder().encodeToString(wav), sampleRate,
                (double) samples.length / sampleRate, samples.length, 1, request.prompt(), generated.result().seed(),
                request.scheduler(), request.numInferenceSteps(), request.guidanceScale(),
                new ResponseMeta(request.clientJobId(), generated.traceId(), generated.spanId()));
    }

    private static Response wavResponse(PredictRequest request, Generated generated) {
        float[] samples = generated.result().waveforms()[0];
        int sampleRate = generated.result().sampleRate();
        Response.ResponseBuilder response = Response.ok(WavWriter.toBytes(samples, sampleRate, WavWriter.SampleFormat.PCM16), WAV)
                .header("X-Seed", generated.result().seed())
                .header("X-Sample-Rate", sampleRate)
                .header("X-Duration", (double) samples.length / sampleRate)
                .header("X-Num-Samples", samples.length)
                .header("X-Channels", 1)
                .header("X-Scheduler", request.scheduler())
                .header("X-Num-Inference-Steps", request.numInferenceSteps())
                .header("X-Guidance-Scale", request.guidanceScale());
        // Absent rather than empty when unknown; the client job id already matched a header-safe pattern.
        if (request.clientJobId() != null) {
            response.header("X-Client-Job-Id", request.clientJobId());
        }
        if (generated.traceId() != null) {
            response.header("X-Trace-Id", generated.traceId()).header("X-Span-Id", generated.spanId());
        }
        return response.build();
    }
}
