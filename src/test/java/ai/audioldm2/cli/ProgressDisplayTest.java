package ai.audioldm2.cli;

import ai.audioldm2.pipeline.Stage;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressDisplayTest {

    private static String run(boolean terminal) {
        StringWriter text = new StringWriter();
        ProgressDisplay display = new ProgressDisplay(new PrintWriter(text), terminal);
        display.stageStarted(Stage.TEXT_ENCODING);
        display.stageFinished(Stage.TEXT_ENCODING, 5_000_000);
        display.stageStarted(Stage.DENOISING);
        for (int step = 1; step <= 20; step++) {
            display.stepFinished(step, 20);
        }
        display.stageFinished(Stage.DENOISING, 40_000_000);
        return text.toString();
    }

    @Test
    void plainLinesWhenNotATerminal() {
        String text = run(false);
        assertFalse(text.contains("\r"), text);
        List<String> lines = text.lines().toList();
        assertEquals("text_encoding 5 ms", lines.get(0));
        assertEquals(12, lines.size(), text); // a line per tenth of the steps, and one per stage
        assertTrue(lines.get(1).matches("denoising step 2/20, ETA \\d+ s"), lines.get(1));
        assertTrue(lines.get(10).startsWith("denoising step 20/20"), lines.get(10));
        assertEquals("denoising 40 ms", lines.get(11));
    }

    @Test
    void aBarRedrawnInPlaceOnATerminal() {
        String text = run(true);
        assertTrue(text.contains("\r\033[K[###############---------------] denoising step 10/20, ETA "), text);
        assertTrue(text.contains("[##############################] denoising step 20/20, ETA 0 s"), text);
        assertTrue(text.endsWith("\r\033[Kdenoising 40 ms" + System.lineSeparator()), text);
    }
}
