package ai.audioldm2.jobs;

import ai.audioldm2.bundle.BundleManifest;
import ai.audioldm2.bundle.ModelBundle;
import ai.audioldm2.bundle.ModelBundleException;
import ai.audioldm2.config.ServiceConfig;
import ai.audioldm2.device.DeviceMemoryCheck;
import ai.audioldm2.device.DeviceMemoryException;
import ai.audioldm2.device.DeviceMemoryProbe;
import ai.audioldm2.onnx.ExecutionProvider;
import ai.audioldm2.onnx.RuntimeOptions;
import ai.audioldm2.pipeline.AudioLdm2Pipeline;
import ai.audioldm2.pipeline.Mode;
import ai.audioldm2.pipeline.RequestMemory;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.MemorySize;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Loads the model on a background thread once the application has started, so the HTTP listener answers
 * health checks (503 "loading") while a multi-gigabyte bundle is read and its sessions are built.
 */
@ApplicationScoped
public class ModelLoader {

    /** The committed random test bundle, relative to the working directory (the repository root). */
    static final Path TINY_TEST_BUNDLE = Path.of("models-onnx", "tiny-random");

    /** The bundle the service serves: audioldm2.model-dir, or the committed tiny test bundle. */
    static Path servedBundle(ServiceConfig config) {
        return config.modelDir().orElse(TINY_TEST_BUNDLE);
    }

    /** audioldm2.limits.max-request-memory in bytes, 0 when unset (derived from the machine). */
    static long maxRequestMemory(ServiceConfig config) {
        return config.limits().maxRequestMemory().map(MemorySize::asLongValue).orElse(0L);
    }

    /**
     * Whether audioldm2.runtime.modes asks for fast mode.
     *
     * @throws IllegalArgumentException for a value that is no mode
     */
    private static boolean fastEnabled(ServiceConfig config) {
        for (String name : config.runtime().modes()) {
            if (Mode.parse(name.trim()).isEmpty()) {
                throw new IllegalArgumentException("audioldm2.runtime.modes: unknown mode '" + name + "' (allowed: "
                        + String.join(", ", Mode.wireNames()) + ")");
            }
        }
        return config.runtime().modes().stream().anyMatch(name -> name.trim().equals(Mode.FAST.wireName()));
    }

    /**
     * The modes the served bundle will run, from its manifest and audioldm2.runtime.modes, without loading it (for
     * the OpenAPI document, made before the model loads); exact alone when the manifest cannot be read.
     */
    public static List<String> servedModes(ServiceConfig config) {
        try {
            boolean fast = fastEnabled(config) && ModelBundle.manifestOf(servedBundle(config)).fast() != null;
            return fast ? Mode.wireNames() : List.of(Mode.EXACT.wireName());
        } catch (ModelBundleException | IllegalArgumentException unreadable) {
            return List.of(Mode.EXACT.wireName());
        }
    }

    /**
     * duration's maximum when the memory budget allows less than the configured one at the default settings (one
     * waveform, the default guidance), from the served bundle's manifest, without loading it: the OpenAPI document
     * is made at start-up, before the model loads. Empty when the manifest cannot be read (the load then fails and
     * /health says why) or the configured maximum fits. Larger settings (more waveforms, more prompts) allow less;
     * their 422 says how much.
     */
    public static Optional<Double> memoryMaxDuration(ServiceConfig config) {
        double configured = config.limits().maxDuration();
        try {
            BundleManifest manifest = ModelBundle.manifestOf(servedBundle(config));
            double served = RequestMemory.of(manifest, maxRequestMemory(config),
                            fastEnabled(config) && manifest.fast() != null)
                    .servedMaxDurationSeconds(configured, config.defaults().guidanceScale() > 1.0);
            return served < configured ? Optional.of(served) : Optional.empty();
        } catch (ModelBundleException | IllegalArgumentException unreadable) {
            return Optional.empty();
        }
    }

    private static final Logger LOG = Logger.getLogger(ModelLoader.class);

    @Inject
    ServiceConfig config;

    @Inject
    PipelineFactory pipelineFactory;

    /** How long a shutdown waits for a load in progress; systemd's TimeoutStopSec leaves room for it. */
    private static final long LOAD_WAIT_ON_SHUTDOWN_MILLIS = 30_000;

    private volatile ModelState state = ModelState.loading();
    private volatile Thread loader;

    void onStart(@Observes StartupEvent started) {
        loader = new Thread(this::load, "model-loader");
        loader.setDaemon(true);
        loader.start();
    }

    /**
     * Closes the pipeline; called once no worker uses it any more. A load still in progress is waited for first:
     * letting the JVM exit while ONNX Runtime creates a session crashed it in native code (SIGBUS, measured).
     */
    void close() {
        Thread loading = loader;
        if (loading != null) {
            try {
                loading.join(LOAD_WAIT_ON_SHUTDOWN_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        ModelState last = state;
        state = ModelState.failed("the service is shutting down");
        if (last.pipeline() != null) {
            last.pipeline().close();
        }
    }

    public ModelState state() {
        return state;
    }

    private void load() {
        Path bundle = bundleDir();
        try {
            Optional<String> shortfall = memoryShortfall();
            if (shortfall.isPresent()) {
                fail(shortfall.get());
                return;
            }
            long start = System.nanoTime();
            AudioLdm2Pipeline pipeline = pipelineFactory.load(bundle, runtimeOptions());
            state = ModelState.ready(pipeline);
            LOG.infof("model %s loaded from %s in %.1f s on %s", pipeline.info().sourceId(), bundle,
                    (System.nanoTime() - start) / 1e9, pipeline.info().executionProvider());
        } catch (RuntimeException | LinkageError failure) {
            LOG.error("loading the model from " + bundle + " failed", failure);
            fail("loading the model from " + bundle + " failed: " + failure.getMessage());
        }
    }

    /** Why the provider's GPU cannot hold the model, if it cannot; an unknown provider name fails the load here. */
    private Optional<String> memoryShortfall() {
        ServiceConfig.Runtime runtime = config.runtime();
        ExecutionProvider provider = ExecutionProvider.parse(runtime.provider());
        try {
            return deviceMemoryCheck().shortfall(provider.memoryVendor(), runtime.deviceId());
        } catch (DeviceMemoryException unreadable) {
            // Without numbers we cannot refuse; the provider itself fails to load if there is no usable GPU.
            LOG.warnf("could not check free device memory (%s); loading anyway", unreadable.getMessage());
            return Optional.empty();
        }
    }

    private void fail(String reason) {
        LOG.error(reason);
        state = ModelState.failed(reason);
    }

    private Path bundleDir() {
        if (config.modelDir().isPresent()) {
            return servedBundle(config);
        }
        LOG.warn("""

                *****************************************************************************
                * No model configured (AUDIOLDM2_MODEL_DIR). Serving the committed TINY RANDOM *
                * TEST bundle models-onnx/tiny-random: its weights are random, it makes noise, *
                * not audio. Export a real checkpoint and point AUDIOLDM2_MODEL_DIR at it.     *
                *****************************************************************************""");
        return servedBundle(config);
    }

    private RuntimeOptions runtimeOptions() {
        ServiceConfig.Runtime runtime = config.runtime();
        return RuntimeOptions.builder().executionProvider(runtime.provider()).cpuFallback(runtime.cpuFallback())
                .deviceId(runtime.deviceId()).intraOpThreads(runtime.intraOpThreads())
                .interOpThreads(runtime.interOpThreads()).optimizationLevel(runtime.optimization())
                .optimizedModelDir(runtime.optimizedModelDir().orElse(null))
                .providerLibrary(runtime.providerLibrary().orElse(null))
                .maxRequestMemory(maxRequestMemory(config)).fastMode(fastEnabled(config)).build();
    }

    private DeviceMemoryCheck deviceMemoryCheck() {
        ServiceConfig.DeviceMemory memory = config.deviceMemory();
        return new DeviceMemoryCheck(new DeviceMemoryProbe(memory.sysfsRoot(), memory.nvidiaSmiCommand()),
                memory.requiredGb());
    }
}
