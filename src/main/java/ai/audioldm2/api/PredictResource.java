package ai.audioldm2.api;

import ai.audioldm2.jobs.TracedResult;
import ai.audioldm2.pipeline.InvalidGenerationRequestException;
import ai.audioldm2.config.ServiceConfig;
import ai.audioldm2.jobs.GenerationService;
import ai.audioldm2.jobs.Job;
import ai.audioldm2.jobs.PlannedGeneration;
import ai.audioldm2.scheduler.Schedulers;
import ai.audioldm2.telemetry.GenerationTracing;
import ai.audioldm2.telemetry.ServiceMetrics;
import com.fasterxml.jackson.databind.JsonNode;
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
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * POST /predict: text to audio (or audio to audio); POST /predict/batch: several such requests at once.
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

    private static final List<Object> BODY = List.of("body");

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

    @Inject
    AudioAnswers answers;

    private PredictRequestParser parser;

    @PostConstruct
    void init() {
        parser = new PredictRequestParser(mapper, config.limits(), config.defaults(), config.request());
    }

    @POST
    @Blocking
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces({MediaType.APPLICATION_JSON, AudioAnswers.WAV})
    @Operation(summary = "Generate audio from a text prompt",
            description = "JSON answer by default; with `Accept: audio/wav` the WAV itself, metadata in X- headers.")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = PredictRequest.class)))
    @APIResponse(responseCode = "200", description = "the generated audio", content = {
            @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PredictResponse.class)),
            @Content(mediaType = AudioAnswers.WAV)})
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
        JsonNode json = parser.read(body);
        PredictRequest request = parser.parseItem(json, BODY, clientJobIdQuery, Schedulers.names());
        PlannedGeneration planned = plan(request, json, BODY);
        boolean wav = AudioAnswers.prefersWav(headers.getAcceptableMediaTypes());
        Job<TracedResult> job = generation.submit(planned, tracing.parentOf(headers::getHeaderString));
        return answerWhenDone(job, connection, generated -> answers.answer(request, generated, wav))
                .onTermination().invoke((response, failure, cancelled) -> metrics.predictFinished(
                        cancelled ? "cancelled" : failure != null ? "failed" : "ok",
                        Duration.ofNanos(System.nanoTime() - received)));
    }

    @POST
    @Path("/batch")
    @Blocking
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Generate audio for several requests at once",
            description = "Body `{\"requests\": [<PredictRequest>, ...]}` with 1 to `audioldm2.limits.max-batch-items` "
                    + "requests. The answer is a list in the same order: each slot is the request's "
                    + "/predict JSON answer or `{\"status_code\": 4xx, \"detail\": ...}`; one bad request does "
                    + "not fail the others. Requests with the same steps, scheduler, duration and guidance on/off "
                    + "share UNet calls; each keeps its own seed, prompts and guidance scale, and gets the audio it "
                    + "would get alone. The batch takes one queue place per valid request (all places when it has "
                    + "more) and runs on one worker.")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = BatchRequest.class)))
    @APIResponse(responseCode = "200", description = "one slot per request, in request order",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(type = SchemaType.ARRAY, implementation = BatchSlot.class)))
    @APIResponse(responseCode = "400", description = "malformed JSON")
    @APIResponse(responseCode = "413", description = "body larger than the configured limit")
    @APIResponse(responseCode = "422", description = "the body is not {\"requests\": [...]} with 1 to N entries")
    @APIResponse(responseCode = "503", description = "queue full or model not loaded; see Retry-After")
    public Uni<Response> predictBatch(byte[] body, @Context HttpHeaders headers,
                                      @Context HttpServerResponse connection) {
        List<JsonNode> items = parser.batchItems(body, config.limits().maxBatchItems());
        BatchSlot[] slots = new BatchSlot[items.size()];
        List<Integer> accepted = new ArrayList<>();
        List<PredictRequest> requests = new ArrayList<>();
        List<PlannedGeneration> work = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            List<Object> location = List.of("body", "requests", i);
            try {
                PredictRequest request = parser.parseItem(items.get(i), location, null, Schedulers.names());
                work.add(plan(request, items.get(i), location));
                accepted.add(i);
                requests.add(request);
            } catch (RuntimeException e) {
                ItemError error = ItemError.of(e, location).orElseThrow(() -> e);
                metrics.failed(error.kind());
                slots[i] = error;
            }
        }
        if (work.isEmpty()) {
            return Uni.createFrom().item(Response.ok(List.of(slots), MediaType.APPLICATION_JSON_TYPE).build());
        }
        Job<List<TracedResult>> job = generation.submitBatch(work, tracing.parentOf(headers::getHeaderString));
        return answerWhenDone(job, connection, generated -> {
            for (int k = 0; k < accepted.size(); k++) {
                slots[accepted.get(k)] = answers.json(requests.get(k), generated.get(k));
            }
            return Response.ok(List.of(slots), MediaType.APPLICATION_JSON_TYPE).build();
        });
    }

    /** The pipeline's plan of a parsed request; a refusal is a 422 that carries the value sent (pydantic's input). */
    private PlannedGeneration plan(PredictRequest request, JsonNode json, List<Object> location) {
        try {
            return generation.plan(request.toGeneration(), request.clientJobId());
        } catch (InvalidGenerationRequestException e) {
            throw new RequestValidationException(List.of(ItemError.refusal(e, location, json)));
        }
    }

    /**
     * The response once the job is done. Quarkus REST cancels the Uni when the connection closes, which withdraws
     * the job; a client that left before the Uni was subscribed (while the body was being validated) is caught by
     * the check at subscription.
     */
    private static <T> Uni<Response> answerWhenDone(Job<T> job, HttpServerResponse connection,
                                                    Function<T, Response> answer) {
        return Uni.createFrom().completionStage(job.result())
                .map(answer)
                .onSubscription().invoke(() -> {
                    if (connection.closed()) {
                        job.cancel();
                    }
                })
                .onCancellation().invoke(job::cancel);
    }
}
