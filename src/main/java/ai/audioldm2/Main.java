package ai.audioldm2;

import ai.audioldm2.cli.GenerateCommand;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * One jar, two modes: {@code generate ...} runs the one-shot command line and exits with its code, without
 * booting Quarkus (no HTTP listener, no model loader thread); anything else starts the service.
 */
@QuarkusMain
public final class Main {

    private Main() {
    }

    public static void main(String... args) {
        if (args.length > 0 && "generate".equals(args[0])) {
            System.exit(GenerateCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length)));
        }
        Quarkus.run(args);
    }
}
