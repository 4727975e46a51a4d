package ai.audioldm2.cli;

import ai.audioldm2.pipeline.GenerationObserver;
import ai.audioldm2.pipeline.Stage;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * The progress of {@code generate} on stderr. On a terminal a bar redrawn in place at every denoising step
 * ({@code [########------------] denoising step 12/25, ETA 31 s}); elsewhere (a log, a pipe) plain lines, one per
 * tenth of the steps. Either way each stage's wall time gets a line of its own when it ends.
 */
final class ProgressDisplay implements GenerationObserver {

    private static final int BAR_WIDTH = 30;

    private final PrintWriter err;
    private final boolean terminal;
    private long denoisingStarted;
    private boolean barDrawn;

    /** @param terminal true when stderr is a terminal ({@code System.console() != null}) */
    ProgressDisplay(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    @Override
    public void stageStarted(Stage stage) {
        if (stage == Stage.DENOISING) {
            denoisingStarted = System.nanoTime();
        }
        if (terminal) {
            draw(stage.label() + " ...");
        }
    }

    @Override
    public void stepFinished(int step, int totalSteps) {
        double eta = (System.nanoTime() - denoisingStarted) / 1e9 / step * (totalSteps - step);
        String status = String.format(Locale.ROOT, "denoising step %d/%d, ETA %.0f s", step, totalSteps, eta);
        if (terminal) {
            int filled = BAR_WIDTH * step / totalSteps;
            draw("[" + "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled) + "] " + status);
        } else if (step == totalSteps || step % Math.max(1, totalSteps / 10) == 0) {
            err.println(status);
            err.flush();
        }
    }

    @Override
    public void stageFinished(Stage stage, long nanos) {
        if (barDrawn) {
            err.print("\r\033[K"); // the bar's line becomes the stage's timing line
            barDrawn = false;
        }
        err.printf(Locale.ROOT, "%s %d ms%n", stage.label(), nanos / 1_000_000);
        err.flush();
    }

    private void draw(String line) {
        err.print("\r\033[K" + line);
        err.flush();
        barDrawn = true;
    }
}
