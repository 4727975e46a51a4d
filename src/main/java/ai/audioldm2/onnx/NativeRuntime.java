package ai.audioldm2.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * The process-wide environment, created on a thread with a large stack. ONNX Runtime 1.29's native library
 * recurses once per byte of the process command line while it initialises (seen in gdb: a three-frame cycle in
 * libonnxruntime.so reading /proc/self/cmdline); on a default 1 MB Java stack a command line over 3980 bytes
 * (a long --prompt, a long -cp) overflows it and the JVM dies with SIGSEGV. 64 MB covers any argument Linux
 * accepts (128 KB each). The stack is only reserved, and the thread ends after initialisation.
 */
final class NativeRuntime {

    private static final long INIT_STACK_BYTES = 64L << 20;
    private static final OrtEnvironment ENVIRONMENT = initialise();

    private NativeRuntime() {
    }

    static OrtEnvironment environment() {
        return ENVIRONMENT;
    }

    /**
     * The providers compiled into the loaded native library. Being a method of this class, it has loaded the
     * library the safe way (above) before {@link OrtEnvironment#getAvailableProviders} would load it on this stack.
     */
    static Set<OrtProvider> compiledProviders() {
        return OrtEnvironment.getAvailableProviders();
    }

    /** ONNX Runtime's names of the {@link #compiledProviders()}, for messages. */
    static List<String> availableProviders() {
        return compiledProviders().stream().map(OrtProvider::getName).toList();
    }

    private static OrtEnvironment initialise() {
        // a method reference to another class: a lambda here would wait on this class's own initialisation
        FutureTask<OrtEnvironment> task = new FutureTask<>(OrtEnvironment::getEnvironment);
        new Thread(null, task, "onnxruntime-init", INIT_STACK_BYTES).start();
        try {
            return task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading ONNX Runtime", e);
        } catch (ExecutionException e) {
            throw new ExecutionProviderException("cannot load ONNX Runtime: " + e.getCause(), e.getCause());
        }
    }
}
