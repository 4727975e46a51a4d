package ai.audioldm2.cli;

import ai.audioldm2.bundle.TinyBundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command in its own JVM, as a user runs it: what an in-process test cannot see (native crashes, what
 * really reaches stdout and stderr).
 */
class GenerateCommandProcessTest {

    @TempDir
    Path tmp;

    private record Run(int exit, String stdout, String stderr) {
    }

    /** java @argfile (classpath in a file, like the packaged jar's manifest) + extra JVM options + the command. */
    private Run java(List<String> jvmOptions, String... args) throws IOException, InterruptedException {
        Path argfile = Files.writeString(tmp.resolve("cp.args"), "-cp \"" + System.getProperty("java.class.path")
                .replace("\\", "\\\\") + "\"");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + argfile, "-Djava.util.logging.manager=org.jboss.logmanager.LogManager"));
        command.addAll(jvmOptions);
        command.add(GenerateCommand.class.getName());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(tmp.resolve("out.txt").toFile()).redirectError(tmp.resolve("err.txt").toFile());
        builder.environment().put("DJL_OFFLINE", "true");
        Process process = builder.start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the command did not finish");
        return new Run(process.exitValue(), Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8),
                Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8));
    }

    @Test
    void commandLineOverFourKilobytesRuns() throws Exception {
        // ONNX Runtime 1.29 recursed once per command-line byte while loading and overflowed the 1 MB main-thread
        // stack above 3980 bytes: exit 139 (SIGSEGV) before SessionFactory loaded it on a large-stack thread
        Path wav = tmp.resolve("long.wav");
        Run run = java(List.of("-Dpadding=" + "x".repeat(20_000)), "--model-dir", TinyBundle.DIR.toString(),
                "--prompt", "dog barking ".repeat(160), "--steps", "2", "--duration", "0.5", "--out", wav.toString());
        assertEquals(0, run.exit(), run.stderr());
        assertTrue(Files.size(wav) > 44, "no audio written");
        assertTrue(run.stdout().contains("seed "), run.stdout());
    }

    @Test
    void badInputGivesExactlyOneLineOnStderrAndNothingOnStdout() throws Exception {
        Run run = java(List.of(), "--model-dir", TinyBundle.DIR.toString(), "--prompt", " ",
                "--out", tmp.resolve("x.wav").toString());
        assertEquals(GenerateCommand.EXIT_USAGE, run.exit());
        assertEquals("", run.stdout());
        assertEquals(List.of("error: prompt must not be empty or blank"), run.stderr().lines().toList());
    }
}
