package ai.audioldm2.onnx;

import ai.audioldm2.bundle.ModelBundleException;
import ai.audioldm2.bundle.ModelBundle;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Logger;

/**
 * Opens one {@link OrtSession} per graph on the process-wide {@link OrtEnvironment}, configured from
 * {@link RuntimeOptions}: threads, graph optimization level, an optional {@link OptimizedGraphCache}, and the
 * execution provider. When the provider is unavailable the factory either falls back to CPU
 * ({@link RuntimeOptions#cpuFallback()}) or fails naming the providers the loaded ONNX Runtime has.
 */
public final class SessionFactory {

    /**
     * JUL rather than System.Logger: the service jar's JBoss LoggerFinder prints an error on stderr when used before
     * Quarkus has set up logging, which the one-shot CLI does; JUL reaches the same log manager in the service.
     */
    private static final Logger LOG = Logger.getLogger(SessionFactory.class.getName());
    /** Sessions created at once by {@link #openAll}. */
    static final int LOAD_PARALLELISM = 2;
    private static final long LOADER_STACK_BYTES = 8L << 20;

    private final OrtEnvironment env;
    private final RuntimeOptions options;
    private final OptLevel optLevel;
    private final ResolvedProvider provider;
    /** Null when no cache directory is configured. */
    private final OptimizedGraphCache cache;

    private SessionFactory(RuntimeOptions options, OptLevel optLevel, ResolvedProvider provider) {
        this.env = NativeRuntime.environment();
        this.options = options;
        this.optLevel = optLevel;
        this.provider = provider;
        this.cache = options.optimizedModelDir() == null ? null
                : new OptimizedGraphCache(options.optimizedModelDir(), provider.provider(), optLevel, env.getVersion());
    }

    /**
     * Resolves the execution provider. Throws {@link ExecutionProviderException} when it is unavailable and CPU
     * fallback is off, {@link IllegalArgumentException} for option values outside their allowed set.
     */
    public static SessionFactory create(RuntimeOptions options) {
        OptLevel level = optLevel(options.optimizationLevel());
        return new SessionFactory(options, level, ResolvedProvider.resolve(options));
    }

    public OrtEnvironment environment() {
        return env;
    }

    /** The provider sessions actually run on (CPU after a fallback). */
    public ExecutionProvider provider() {
        return provider.provider();
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
            provider.appendTo(so, options);
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
            throw new ModelBundleException("cannot load graph " + file + " on " + provider.provider() + ": "
                    + e.getMessage(), e);
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

    /** ONNX Runtime's names of the providers compiled into the loaded native library. */
    public static List<String> availableProviders() {
        return NativeRuntime.availableProviders();
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
