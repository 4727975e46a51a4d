package ai.audioldm2.onnx;

import ai.audioldm2.bundle.ModelBundleException;
import ai.audioldm2.bundle.ModelBundle;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtEpDevice;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Logger;

/**
 * Opens one {@link OrtSession} per graph on the process-wide {@link OrtEnvironment}, configured from
 * {@link RuntimeOptions}: threads, graph optimization level, an optional cache of optimized graphs, and the
 * execution provider.
 *
 * <p>Execution providers. {@code cpu} is always there. {@code cuda} and {@code rocm} need an ONNX Runtime build that
 * contains them (the {@code onnxruntime_gpu} artifact for CUDA; ROCm was removed from ONNX Runtime in 1.23).
 * {@code migraphx}: ORT Java 1.29 has no {@code addMIGraphX}, so MIGraphX goes through the plugin-EP API: the library
 * named by {@link RuntimeOptions#providerLibrary()} (e.g. {@code libonnxruntime_providers_migraphx.so} of an ORT
 * &ge; 1.23 built with {@code --use_migraphx}, whose native core is loaded with {@code -Donnxruntime.native.path})
 * is registered with {@link OrtEnvironment#registerExecutionProviderLibrary}, its devices are taken from
 * {@link OrtEnvironment#getEpDevices()} by EP name, and appended with
 * {@link SessionOptions#addExecutionProvider(List, Map)}. When a provider is unavailable the factory either falls back
 * to CPU ({@link RuntimeOptions#cpuFallback()}) or fails naming the providers the loaded ONNX Runtime has.
 */
public final class SessionFactory {

    /**
     * JUL rather than System.Logger: the service jar's JBoss LoggerFinder prints an error on stderr when used before
     * Quarkus has set up logging, which the one-shot CLI does; JUL reaches the same log manager in the service.
     */
    private static final Logger LOG = Logger.getLogger(SessionFactory.class.getName());
    /** Plugin libraries registered in this process; ORT refuses a second registration under the same name. */
    private static final Set<String> REGISTERED_LIBRARIES = new HashSet<>();
    /** Sessions created at once by {@link #openAll}. */
    static final int LOAD_PARALLELISM = 2;
    private static final long LOADER_STACK_BYTES = 8L << 20;

    private final OrtEnvironment env;
    private final RuntimeOptions options;
    private final OptLevel optLevel;
    private final ExecutionProvider provider;
    private final List<OrtEpDevice> pluginDevices;
    /** Null when no cache directory is configured. */
    private final OptimizedGraphCache cache;

    private SessionFactory(OrtEnvironment env, RuntimeOptions options, OptLevel optLevel,
                           ExecutionProvider provider, List<OrtEpDevice> pluginDevices) {
        this.env = env;
        this.options = options;
        this.optLevel = optLevel;
        this.provider = provider;
        this.pluginDevices = pluginDevices;
        this.cache = options.optimizedModelDir() == null ? null
                : new OptimizedGraphCache(options.optimizedModelDir(), provider, optLevel, env.getVersion());
    }

    /**
     * Resolves the execution provider. Throws {@link ExecutionProviderException} when it is unavailable and CPU
     * fallback is off, {@link IllegalArgumentException} for option values outside their allowed set.
     */
    public static SessionFactory create(RuntimeOptions options) {
        OptLevel level = optLevel(options.optimizationLevel());
        ExecutionProvider requested = ExecutionProvider.parse(options.executionProvider());
        OrtEnvironment env = NativeRuntime.environment();
        if (requested == ExecutionProvider.CPU) {
            return new SessionFactory(env, options, level, requested, List.of());
        }
        List<OrtEpDevice> pluginDevices = List.of();
        String problem;
        if (requested == ExecutionProvider.MIGRAPHX) {
            PluginDevices plugin = migraphxDevices(env, options);
            pluginDevices = plugin.devices();
            problem = plugin.problem();
        } else {
            problem = providers().contains(requested.ortProvider())
                    ? new SessionFactory(env, options, level, requested, List.of()).startProblem()
                    : "execution provider '" + requested + "' (" + requested.ortName() + ") is not in this ONNX Runtime "
                    + env.getVersion() + "; it has " + availableProviders()
                    + (requested == ExecutionProvider.ROCM ? " (ROCm was removed in ONNX Runtime 1.23; use migraphx)"
                    : " (CUDA needs the com.microsoft.onnxruntime:onnxruntime_gpu artifact)");
        }
        if (problem == null) {
            return new SessionFactory(env, options, level, requested, pluginDevices);
        }
        if (!options.cpuFallback()) {
            throw new ExecutionProviderException(problem + ". Enable CPU fallback to run on CPU instead.");
        }
        LOG.warning(problem + "; falling back to CPU");
        return new SessionFactory(env, options, level, ExecutionProvider.CPU, List.of());
    }

    /**
     * Appends this factory's provider to throwaway options, which loads its library (e.g. the CUDA provider and the
     * CUDA/cuDNN libraries it links): a host without them fails here, before any graph, so that CPU fallback can
     * still apply. Null when the provider starts.
     */
    private String startProblem() {
        try (SessionOptions probe = new SessionOptions()) {
            addProvider(probe);
            return null;
        } catch (OrtException e) {
            return "execution provider '" + provider + "' is in this ONNX Runtime but cannot start on this host "
                    + "(its libraries or device are missing: " + e.getMessage() + ")";
        }
    }

    public OrtEnvironment environment() {
        return env;
    }

    /** The provider sessions actually run on (CPU after a fallback). */
    public ExecutionProvider provider() {
        return provider;
    }

    /**
     * Opens the sessions of several graphs, {@link #LOAD_PARALLELISM} at a time, and returns them in the order given.
     * Creating a session is mostly single-threaded (reading the file, optimising the graph, pre-packing weights), so
     * two at once use both cores of a small host; more would only add transient memory. The largest files start
     * first, so that the UNet's load overlaps all the small ones instead of starting last. When one fails, the others
     * are closed and the first failure (in the order given) is thrown as {@link #open} throws it.
     */
    public Map<String, OrtSession> openAll(ModelBundle bundle, List<String> graphs) {
        ExecutorService pool = Executors.newFixedThreadPool(LOAD_PARALLELISM, SessionFactory::loaderThread);
        Map<String, Future<OrtSession>> started = new HashMap<>();
        try {
            graphs.stream().sorted(Comparator.comparingLong((String graph) -> fileSize(bundle, graph)).reversed())
                    .forEach(graph -> started.put(graph, pool.submit(() -> open(bundle, graph))));
        } finally {
            pool.shutdown();
        }
        Map<String, Future<OrtSession>> pending = new LinkedHashMap<>();
        graphs.forEach(graph -> pending.put(graph, started.get(graph)));
        Map<String, OrtSession> sessions = new LinkedHashMap<>();
        RuntimeException failure = null;
        for (Map.Entry<String, Future<OrtSession>> entry : pending.entrySet()) {
            try {
                sessions.put(entry.getKey(), entry.getValue().get());
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException r ? r
                            : new ModelBundleException("cannot load graph " + entry.getKey() + ": " + e.getCause(),
                            e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                pending.values().forEach(f -> f.cancel(true));
                if (failure == null) {
                    failure = new ModelBundleException("interrupted while loading graph " + entry.getKey(), e);
                }
            }
        }
        if (failure != null) {
            sessions.values().forEach(SessionFactory::closeQuietly);
            throw failure;
        }
        return sessions;
    }

    private static long fileSize(ModelBundle bundle, String graph) {
        try {
            return Files.size(bundle.graphFile(graph));
        } catch (IOException e) {
            return 0;       // open() reports the missing or unreadable file
        }
    }

    /**
     * Loader threads get an 8 MB stack (Linux's default for native threads) instead of the JVM's 1 MB: session
     * creation runs ORT's native graph code, which recurses (see NativeRuntime for the case that needed 64 MB).
     */
    private static Thread loaderThread(Runnable task) {
        Thread thread = new Thread(null, task, "onnx-session-loader", LOADER_STACK_BYTES);
        thread.setDaemon(true);
        return thread;
    }

    /**
     * Opens the session of one graph and checks its inputs and outputs against the manifest. Quantised graphs are
     * never taken from or written to the optimized-graph cache: the int8 QDQ UNet loaded back from a saved optimized
     * graph ran 28% slower per step (1.33 s against 1.05 s, docs/PERFORMANCE.md) than optimised at load.
     */
    public OrtSession open(ModelBundle bundle, String graph) {
        Path file = bundle.graphFile(graph);
        OrtSession session;
        try (SessionOptions so = new SessionOptions()) {
            so.setIntraOpNumThreads(options.intraOpThreads());
            so.setInterOpNumThreads(options.interOpThreads());
            addProvider(so);
            so.setOptimizationLevel(optLevel);
            Path source = file;
            OptimizedGraphCache.Entry written = null;
            if (cache != null && !bundle.graph(graph).quantized()) {
                OptimizedGraphCache.Entry entry = cache.entry(bundle, graph);
                if (entry.present()) {
                    source = entry.file();      // already optimized for this provider, level and ORT version
                    so.setOptimizationLevel(OptLevel.NO_OPT);
                } else {
                    entry.writeWith(so);
                    written = entry;
                }
            }
            session = env.createSession(source.toString(), so);
            if (written != null) {
                written.commit();
            }
        } catch (OrtException e) {
            throw new ModelBundleException("cannot load graph " + file + " on " + provider + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ModelBundleException("cannot write the optimized graph cache in " + options.optimizedModelDir()
                    + ": " + e.getMessage(), e);
        }
        try {
            GraphIoCheck.check(bundle, graph, session);
        } catch (ModelBundleException e) {
            closeQuietly(session);
            throw e;
        }
        return session;
    }

    private void addProvider(SessionOptions so) throws OrtException {
        switch (provider) {
            case CPU -> { }
            case CUDA -> so.addCUDA(options.deviceId());
            case ROCM -> so.addROCM(options.deviceId());
            case MIGRAPHX -> {
                Map<String, String> epOptions = new HashMap<>();
                if (options.optimizedModelDir() != null) {
                    // MIGraphX compiles each graph on first run (minutes for the UNet); its cache makes restarts fast
                    epOptions.put("migraphx_model_cache_dir", options.optimizedModelDir().toString());
                }
                so.addExecutionProvider(pluginDevices, epOptions);
            }
        }
    }

    /** MIGraphX devices offered by the registered plugin library, or the reason there are none. */
    private record PluginDevices(List<OrtEpDevice> devices, String problem) {
    }

    private static PluginDevices migraphxDevices(OrtEnvironment env, RuntimeOptions options) {
        String ortName = ExecutionProvider.MIGRAPHX.ortName();
        String available = "ONNX Runtime " + env.getVersion() + " has " + availableProviders();
        Path library = options.providerLibrary();
        if (library == null) {
            boolean compiledIn = providers().contains(ExecutionProvider.MIGRAPHX.ortProvider());
            return new PluginDevices(List.of(), "execution provider 'migraphx' needs a provider library: ORT Java "
                    + env.getVersion() + " has no addMIGraphX, so MIGraphX is registered as a plugin EP from "
                    + "libonnxruntime_providers_migraphx.so (ONNX Runtime >= 1.23 built with --use_migraphx)"
                    + (compiledIn ? "; this ONNX Runtime has MIGraphX compiled in, so point the provider library "
                    + "at the provider .so of the same build" : "; " + available));
        }
        try {
            synchronized (REGISTERED_LIBRARIES) {
                if (!REGISTERED_LIBRARIES.contains(ortName)) {
                    env.registerExecutionProviderLibrary(ortName, library.toAbsolutePath().toString());
                    REGISTERED_LIBRARIES.add(ortName);
                }
            }
            List<OrtEpDevice> devices = env.getEpDevices().stream()
                    .filter(d -> ortName.equals(d.getEpName())).toList();
            int index = options.deviceId();
            if (index < 0 || index >= devices.size()) {
                return new PluginDevices(List.of(), "execution provider 'migraphx': library " + library
                        + " offers " + devices.size() + " " + ortName + " device(s), none with index " + index
                        + " (" + available + ")");
            }
            return new PluginDevices(List.of(devices.get(index)), null);
        } catch (OrtException e) {
            return new PluginDevices(List.of(), "execution provider 'migraphx': cannot register library " + library
                    + ": " + e.getMessage() + " (" + available + ")");
        }
    }

    /** ONNX Runtime's names of the providers compiled into the loaded native library. */
    public static List<String> availableProviders() {
        return NativeRuntime.availableProviders();
    }

    private static Set<OrtProvider> providers() {
        return NativeRuntime.compiledProviders();
    }

    private static OptLevel optLevel(String name) {
        String n = name == null ? "all" : name.trim().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "disable" -> OptLevel.NO_OPT;
            case "basic" -> OptLevel.BASIC_OPT;
            case "extended" -> OptLevel.EXTENDED_OPT;
            case "all" -> OptLevel.ALL_OPT;
            default -> throw new IllegalArgumentException("unknown optimization level '" + name
                    + "' (allowed: disable, basic, extended, all)");
        };
    }

    /** Closes a session, logging rather than throwing: used on paths that are already failing or shutting down. */
    public static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException e) {
            LOG.warning("closing session: " + e.getMessage());
        }
    }
}
