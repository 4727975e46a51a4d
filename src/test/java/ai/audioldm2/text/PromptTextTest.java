package ai.audioldm2.text;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PromptTextTest {

    @Test
    void acceptsOrdinaryAndEmptyTextAndPairedSurrogates() {
        assertEquals(java.util.Optional.empty(), PromptText.problem("A dog barks 🐕 twice, café"));
        assertEquals(java.util.Optional.empty(), PromptText.problem(""));
        assertEquals(java.util.Optional.empty(), PromptText.problem("x".repeat(PromptText.MAX_CODE_POINTS)));
    }

    @Test
    void rejectsTooLongText() {
        String problem = PromptText.problem("x".repeat(PromptText.MAX_CODE_POINTS + 1)).orElseThrow();
        assertTrue(problem.contains("at most " + PromptText.MAX_CODE_POINTS), problem);
    }

    @Test
    void rejectsUnpairedSurrogates() {
        assertTrue(PromptText.problem("a\uD83Db").orElseThrow().contains("index 1"));
        assertTrue(PromptText.problem("\uDC15 dog").orElseThrow().contains("index 0"));
        assertTrue(PromptText.problem("end\uD83D").orElseThrow().contains("surrogate"));
    }

    @Test
    void rejectsMissingText() {
        assertTrue(PromptText.problem(null).isPresent());
    }
}
