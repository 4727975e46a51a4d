package ai.audioldm2.api;

import ai.audioldm2.audio.AudioDecoder;
import ai.audioldm2.audio.DecodeLimits;
import ai.audioldm2.audio.DecodedAudio;
import ai.audioldm2.audio.SpectrogramImage;
import ai.audioldm2.jobs.GenerationService;
import ai.audioldm2.jobs.JobService;
import ai.audioldm2.jobs.JobStatus;
import ai.audioldm2.jobs.JobView;
import ai.audioldm2.telemetry.GenerationTracing;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Durable asynchronous jobs: POST /jobs takes a /predict body, and the job is run, followed and answered through
 * {@link JobService}. Blocking methods (the store is JDBC) run on worker threads.
 */
@Path("/jobs")
public class JobsResource {

    static final int MAX_LIST = 1000;

    @Inject
    JobService jobs;

    @Inject
    JobRequests requests;

    @Inject
    GenerationService generation;

    @Inject
    GenerationTracing tracing;

    @Inject
    ObjectMapper mapper;

    @POST
    @Blocking
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Queue a generation as a durable job",
            description = "The body is a /predict body, validated as /predict validates it (422/400/413). The job is "
                    + "stored before the answer: 202 with Location /jobs/{id} and the job view.")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = PredictRequest.class)))
    @APIResponse(responseCode = "202", description = "stored and queued; the job view")
    @APIResponse(responseCode = "503", description = "too many queued jobs, the store is unavailable, or the model "
            + "is not loaded; see Retry-After")
    public Response submit(byte[] body, @QueryParam("client_job_id") String clientJobIdQuery,
                           @Context HttpHeaders headers) {
        JobRequests.Submitted submitted = requests.submitted(body, clientJobIdQuery);
        generation.plan(submitted.request().toGeneration(), submitted.request().clientJobId()); // the pipeline's checks
        JobView view = jobs.submit(submitted.stored(), submitted.view(), tracing.parentOf(headers::getHeaderString));
        // header(), not location(): JAX-RS would make the URI absolute, and clients expect /jobs/{id}
        return Response.accepted(view).header("Location", "/jobs/" + view.id()).build();
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Jobs, newest first", description = "`status` filters (queued, running, succeeded, failed, "
            + "cancelled); `limit` 1 to 1000, default 50.")
    public Response list(@QueryParam("status") String status, @QueryParam("limit") @DefaultValue("50") String limit) {
        JobStatus wanted = null;
        if (status != null && !status.isEmpty()) {
            wanted = JobStatus.parse(status).orElse(null);
            if (wanted == null) {
                return invalidQuery("status", "Input should be 'queued', 'running', 'succeeded', 'failed' or "
                        + "'cancelled'", "enum");
            }
        }
        int count;
        try {
            count = Integer.parseInt(limit);
        } catch (NumberFormatException e) {
            return invalidQuery("limit", "Input should be a valid integer", "int_parsing");
        }
        if (count < 1 || count > MAX_LIST) {
            return invalidQuery("limit", "Input should be between 1 and " + MAX_LIST, "value_error");
        }
        return Response.ok(Map.of("jobs", jobs.list(wanted, count))).build();
    }

    @GET
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A job's view: status, progress, request, result or error")
    public JobView view(@PathParam("id") String id) {
        return jobs.view(id);
    }

    @GET
    @Path("/{id}/audio")
    @Produces(AudioAnswers.WAV)
    @Operation(summary = "A succeeded job's WAV", description = "Byte for byte /predict's WAV for the same request "
            + "and seed; `candidate` k (0 = the best) picks another candidate. 409 until the job has succeeded.")
    public Response audio(@PathParam("id") String id, @QueryParam("candidate") @DefaultValue("0") String candidate) {
        Integer k = candidateIndex(candidate);
        return k == null ? invalidCandidate() : Response.ok(jobs.audio(id, k), AudioAnswers.WAV).build();
    }

    @GET
    @Path("/{id}/spectrogram.png")
    @Produces("image/png")
    @Operation(summary = "A mel-spectrogram picture of a succeeded job's audio (or of `candidate` k)")
    public Response spectrogram(@PathParam("id") String id,
                                @QueryParam("candidate") @DefaultValue("0") String candidate) {
        Integer k = candidateIndex(candidate);
        if (k == null) {
            return invalidCandidate();
        }
        DecodedAudio audio = AudioDecoder.decode(jobs.audio(id, k), DecodeLimits.DEFAULT);
        return Response.ok(SpectrogramImage.png(audio.mono(), audio.sampleRate()), "image/png").build();
    }

    @GET
    @Path("/{id}/events")
    @Blocking
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "The job's progress as Server-Sent Events",
            description = "`event: progress` with the job view at each stage change and denoising step, then one "
                    + "`event: done` with the final view; a finished job gets `done` at once.")
    public Multi<OutboundSseEvent> events(@PathParam("id") String id, @Context Sse sse) {
        jobs.view(id); // 404 before the stream opens
        return Multi.createFrom().emitter(emitter -> {
            AtomicBoolean done = new AtomicBoolean();
            Consumer<JobView> send = view -> {
                if (!view.isFinished()) {
                    if (!done.get()) {
                        emitter.emit(event(sse, "progress", view));
                    }
                } else if (done.compareAndSet(false, true)) {
                    emitter.emit(event(sse, "done", view));
                    emitter.complete();
                }
            };
            AutoCloseable watching = jobs.watch(id, send);
            emitter.onTermination(() -> {
                try {
                    watching.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            send.accept(jobs.view(id));
        });
    }

    @DELETE
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Cancel a queued or running job (200 and its view), or remove a finished one (204)")
    public Response delete(@PathParam("id") String id) {
        return jobs.cancelOrRemove(id).map(view -> Response.ok(view).build())
                .orElseGet(() -> Response.noContent().build());
    }

    private OutboundSseEvent event(Sse sse, String name, JobView view) {
        try {
            return sse.newEventBuilder().name(name).mediaType(MediaType.TEXT_PLAIN_TYPE)
                    .data(String.class, mapper.writeValueAsString(view)).build();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the view of job " + view.id(), e);
        }
    }

    /** Candidate k, or null when {@code candidate} is not an integer of 0 or more. */
    private static Integer candidateIndex(String candidate) {
        try {
            int k = Integer.parseInt(candidate);
            return k >= 0 ? k : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Response invalidCandidate() {
        return invalidQuery("candidate", "Input should be an integer of 0 or more", "int_parsing");
    }

    private static Response invalidQuery(String parameter, String message, String type) {
        return ErrorMappers.json(422, List.of(Map.of("loc", List.of("query", parameter), "msg", message,
                "type", type)));
    }
}
