package ai.audioldm2.text;

import ai.audioldm2.bundle.TinyBundle;
import ai.audioldm2.bundle.ModelConfig;
import ai.audioldm2.bundle.ModelBundle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The padding and truncation rules of diffusers' encode_prompt, on the bundle's tokenizers. The token ids themselves
 * are checked end to end by the parity test (T5 embeddings equal diffusers' only when the ids are equal).
 */
class PromptTokenizersTest {

    private static PromptTokenizers tokenizers;
    private static ModelConfig config;

    @BeforeAll
    static void load() {
        ModelBundle bundle = ModelBundle.open(TinyBundle.DIR);
        config = bundle.config();
        tokenizers = PromptTokenizers.load(bundle);
    }

    @AfterAll
    static void close() {
        tokenizers.close();
    }

    @Test
    void clapPadsEveryRowToMaxLength() {
        TokenBatch batch = tokenizers.clap(List.of("A dog barks.", "", "Rain on a tin roof, thunder far away."));
        assertEquals(config.clapMaxLength(), batch.length());
        for (int r = 0; r < batch.batch(); r++) {
            long used = Arrays.stream(row(batch.mask().data(), r, batch.length())).sum();
            assertTrue(used >= 2, "bos and eos at least");
            for (int c = (int) used; c < batch.length(); c++) {
                assertEquals(config.clapPadId(), batch.ids().data()[r * batch.length() + c]);
                assertEquals(0, batch.mask().data()[r * batch.length() + c]);
            }
        }
    }

    @Test
    void clapTruncatesToMaxLength() {
        TokenBatch batch = tokenizers.clap(List.of("dog ".repeat(config.clapMaxLength() * 2)));
        assertEquals(config.clapMaxLength(), batch.length());
        assertEquals(config.clapMaxLength(), Arrays.stream(batch.mask().data()).sum());
    }

    @Test
    void t5PadsToTheLongestAndEndsWithEos() {
        TokenBatch batch = tokenizers.t5(List.of("A dog.", "Rain falling on a tin roof while thunder rumbles."));
        int length = batch.length();
        long[] shortMask = row(batch.mask().data(), 0, length);
        long[] longMask = row(batch.mask().data(), 1, length);
        assertEquals(length, Arrays.stream(longMask).sum(), "the longest row fills the batch");
        int shortLength = (int) Arrays.stream(shortMask).sum();
        assertTrue(shortLength < length);
        assertEquals(config.t5EosId(), batch.ids().data()[shortLength - 1]);
        assertEquals(config.t5EosId(), batch.ids().data()[2 * length - 1]);
        assertEquals(config.t5PadId(), batch.ids().data()[shortLength]);
    }

    @Test
    void emptyT5TextIsJustEos() {
        TokenBatch batch = tokenizers.t5(List.of(""));
        assertArrayEquals(new long[] {config.t5EosId()}, batch.ids().data());
        assertArrayEquals(new long[] {1}, batch.mask().data());
    }

    @Test
    void t5TruncatesAtMaxLengthKeepingEos() {
        TokenBatch batch = tokenizers.t5(List.of("rain ".repeat(config.t5MaxLength() * 2)));
        assertEquals(config.t5MaxLength(), batch.length());
        assertEquals(config.t5EosId(), batch.ids().data()[config.t5MaxLength() - 1]);
    }

    @Test
    void negativeIsPaddedAndTruncatedToThePositiveLength() {
        String positive = "A dog barks.";
        String longNegative = "Low quality, average quality, noisy recording with hum and clicks.";
        TokenBatch pos = tokenizers.t5(List.of(positive));
        TokenBatch full = tokenizers.t5(List.of(longNegative));
        assertTrue(full.length() > pos.length(), "the negative must be the longer text for this test");
        TokenBatch neg = tokenizers.t5(List.of(longNegative, ""), pos.length());
        int length = pos.length();
        assertEquals(length, neg.length());
        // truncated: the first length-1 tokens of the full encoding, then eos
        assertArrayEquals(Arrays.copyOf(full.ids().data(), length - 1), Arrays.copyOf(neg.ids().data(), length - 1));
        assertEquals(config.t5EosId(), neg.ids().data()[length - 1]);
        // padded: "" is eos then pads with mask 0
        assertEquals(config.t5EosId(), neg.ids().data()[length]);
        assertEquals(1, Arrays.stream(row(neg.mask().data(), 1, length)).sum());
        // the positive tokenised within the guidance batch is unchanged
        assertArrayEquals(pos.ids().data(), tokenizers.t5(List.of(positive), length).ids().data());
    }

    private static long[] row(long[] data, int r, int length) {
        return Arrays.copyOfRange(data, r * length, (r + 1) * length);
    }
}
