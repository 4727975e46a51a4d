package ai.audioldm2.cli;

import ai.audioldm2.pipeline.Mode;
import picocli.CommandLine;

import java.io.PrintWriter;

/** Runs a picocli command the way every command of this jar runs: one-line errors, an exit code, no System.exit. */
final class CommandLines {

    static final int EXIT_OK = 0;
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_BUNDLE = 3;

    private CommandLines() {
    }

    /** Parses {@code args} into {@code command}, runs it and returns its exit code; never throws. */
    static int execute(Object command, String... args) {
        CommandLine cli = new CommandLine(command);
        PrintWriter err = cli.getErr();
        cli.setParameterExceptionHandler((e, a) -> {
            err.println("error: " + e.getMessage() + " (see --help)");
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            err.println("error: " + oneLine(e));
            return EXIT_FAILURE;
        });
        int code = cli.execute(args);
        cli.getOut().flush();
        err.flush();
        return code;
    }

    /** --mode's values, exact or fast, as requests write them. */
    static final class Modes implements CommandLine.ITypeConverter<Mode> {
        @Override
        public Mode convert(String value) {
            return Mode.parse(value).orElseThrow(() -> new CommandLine.TypeConversionException(
                    "'" + value + "' is not a mode (" + String.join(", ", Mode.wireNames()) + ")"));
        }
    }

    /** The message of {@code e} on one line, for stderr. */
    static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.replaceAll("\\s*\\R\\s*", " ");
    }
}
