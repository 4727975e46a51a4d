package ai.audioldm2;

import ai.audioldm2.cli.BenchCommand;
import ai.audioldm2.cli.GenerateCommand;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import sun.misc.Signal;

import java.util.Arrays;

/**
 * One jar, two modes: {@code generate ...} (one-shot generation) and {@code bench ...} (the benchmark's Java side)
 * run their command line and exit with its code, without booting Quarkus (no HTTP listener, no model loader
 * thread); anything else starts the service.
 */
@QuarkusMain
public final class Main {

    private Main() {
    }

    public static void main(String... args) {
        if (args.length > 0 && "generate".equals(args[0])) {
            System.exit(GenerateCommand.run(Arrays.copyOfRange(args, 1, args.length)));
        }
        if (args.length > 0 && "bench".equals(args[0])) {
            System.exit(BenchCommand.run(Arrays.copyOfRange(args, 1, args.length)));
        }
        stopTheApplicationFirstOn("TERM");
        stopTheApplicationFirstOn("INT");
        Quarkus.run(args);
    }

    /**
     * ONNX Runtime releases its native environment in a JVM shutdown hook, which runs alongside Quarkus' own: a
     * session being created or run at that moment crashes the JVM (measured: SIGSEGV/SIGBUS when stopped during the
     * model load). On these signals the application is stopped first (jobs cancelled and awaited, the load awaited,
     * sessions closed) and only then does the JVM exit and run its hooks. Exit code 128 + signal, as the default.
     */
    private static void stopTheApplicationFirstOn(String signal) {
        Signal.handle(new Signal(signal), received -> Quarkus.asyncExit(128 + received.getNumber()));
    }
}
