package ai.audioldm2.api;

import jakarta.ws.rs.core.MediaType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which answer a client gets, from its Accept header already ranked by q-value (as JAX-RS hands it over). */
class AcceptNegotiationTest {

    private static List<MediaType> ranked(String... types) {
        return java.util.Arrays.stream(types).map(MediaType::valueOf).toList();
    }

    @Test
    void wavOnlyWhenRankedAboveJson() {
        assertTrue(AudioAnswers.prefersWav(ranked("audio/wav")));
        assertTrue(AudioAnswers.prefersWav(ranked("audio/wav", "application/json")));
        assertFalse(AudioAnswers.prefersWav(ranked("application/json", "audio/wav")));
        assertTrue(AudioAnswers.prefersWav(ranked("audio/*", "*/*")));
    }

    @Test
    void wildcardsAndNoPreferenceMeanJson() {
        assertFalse(AudioAnswers.prefersWav(ranked("*/*")));
        assertFalse(AudioAnswers.prefersWav(ranked("*/*", "audio/wav")));
        assertFalse(AudioAnswers.prefersWav(List.of()));
    }
}
