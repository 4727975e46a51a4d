package ai.audioldm2.health;

import ai.audioldm2.config.ServiceConfig;
import ai.audioldm2.jobs.GenerationService;
import ai.audioldm2.jobs.ModelState;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.smallrye.common.annotation.NonBlocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.util.List;


/**
 * GET /health, in the fleet's shape: 200 {"status":"ok",...,"model":<source id>} once the model is loaded,
 * 503 "loading" while it loads, 503 "error" with the reason when loading (or the device memory check) failed.
 * Runs on the event loop ({@code @NonBlocking}): it only reads the loader's state, so it answers while the model
 * loads and while every worker thread is busy.
 */
@Path("/health")
public class HealthResource {

    static final String SERVICE = "audioldm2";

    @Inject
    GenerationService generation;

    @Inject
    ServiceConfig config;

    /**
     * The body; model, reason and max_duration_seconds appear only when known. max_duration_seconds is the longest
     * duration served at the default settings (one waveform, the default guidance): the API's limit, or less where
     * the per-request memory budget allows less. modes lists the modes requests may ask for (exact, and fast when
     * its graphs are loaded).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Health(String status, String service, String version, String model, String reason,
                         @JsonProperty("max_duration_seconds") Double maxDurationSeconds, List<String> modes) {
    }

    @GET
    @NonBlocking
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Service health in the fleet's format")
    public Response health() {
        ModelState state = generation.modelState();
        return switch (state.status()) {
            case READY -> Response.ok(new Health("ok", SERVICE, config.version(), state.info().sourceId(), null,
                    state.pipeline().memory().servedMaxDurationSeconds(config.limits().maxDuration(),
                            config.defaults().guidanceScale() > 1.0), state.info().modes())).build();
            case LOADING -> unavailable(new Health("loading", SERVICE, config.version(), null, null, null, null));
            case FAILED -> unavailable(new Health("error", SERVICE, config.version(), null, state.error(), null,
                    null));
        };
    }

    private static Response unavailable(Health health) {
        return Response.status(503).type(MediaType.APPLICATION_JSON_TYPE).entity(health).build();
    }
}
