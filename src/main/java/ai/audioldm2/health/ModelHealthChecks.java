package ai.audioldm2.health;

import ai.audioldm2.jobs.GenerationQueue;
import ai.audioldm2.jobs.GenerationService;
import ai.audioldm2.jobs.ModelState;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;
import org.eclipse.microprofile.health.Startup;

import java.util.Locale;

/**
 * The MicroProfile probes at /q/health/{started,live,ready}:
 * <ul>
 *   <li>started: the load attempt is over (loaded or failed), so orchestrators stop waiting;</li>
 *   <li>live: the workers exist and the load did not fail (a failed load or device memory check asks for a
 *       restart, as the Python services did by exiting);</li>
 *   <li>ready: the model is loaded and the workers are alive, so /predict can be served.</li>
 * </ul>
 */
@ApplicationScoped
public class ModelHealthChecks {

    @Inject
    GenerationService generation;

    @Produces
    @Startup
    HealthCheck started() {
        return () -> withModel(HealthCheckResponse.named("model-load-finished"))
                .status(generation.modelState().status() != ModelState.Status.LOADING).build();
    }

    @Produces
    @Liveness
    HealthCheck live() {
        return () -> withModel(HealthCheckResponse.named("workers"))
                .status(generation.queue().workersAlive()
                        && generation.modelState().status() != ModelState.Status.FAILED)
                .build();
    }

    @Produces
    @Readiness
    HealthCheck ready() {
        return () -> withModel(HealthCheckResponse.named("model-ready"))
                .status(generation.queue().workersAlive()
                        && generation.modelState().status() == ModelState.Status.READY)
                .build();
    }

    private HealthCheckResponseBuilder withModel(HealthCheckResponseBuilder builder) {
        ModelState state = generation.modelState();
        GenerationQueue queue = generation.queue();
        builder.withData("model", state.status().name().toLowerCase(Locale.ROOT))
                .withData("queued", queue.queued())
                .withData("running", queue.running())
                .withData("workers_alive", queue.workersAlive());
        if (state.error() != null) {
            builder.withData("reason", state.error());
        }
        return builder;
    }
}
