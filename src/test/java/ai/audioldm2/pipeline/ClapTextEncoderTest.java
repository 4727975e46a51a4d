package ai.audioldm2.pipeline;

import ai.audioldm2.onnx.RuntimeOptions;
import ai.audioldm2.bundle.TinyBundle;
import ai.audioldm2.bundle.ModelBundle;
import ai.audioldm2.onnx.FloatTensor;
import ai.audioldm2.onnx.SessionFactory;
import ai.audioldm2.text.PromptTokenizers;
import ai.audioldm2.text.TokenBatch;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dropping CLAP's trailing padding must not change the embedding: diffusers pads to clap_max_length, the pipeline
 * runs only up to the longest text. Tolerance 1e-6: the pads are masked and RoBERTa's positions come from the ids,
 * so only kernel summation order over a different sequence length may differ (measured 0 on the real model).
 */
class ClapTextEncoderTest {

    @Test
    void trimmedRunEqualsPaddedRun() throws Exception {
        ModelBundle bundle = ModelBundle.open(TinyBundle.DIR);
        SessionFactory factory = SessionFactory.create(RuntimeOptions.cpuDefaults());
        try (PromptTokenizers tokenizers = PromptTokenizers.load(bundle);
             OrtSession session = factory.open(bundle, ClapTextEncoder.GRAPH)) {
            ClapTextEncoder encoder = new ClapTextEncoder(factory.environment(), session);
            TokenBatch tokens = tokenizers.clap(List.of("", "A dog barks twice, then a car door slams.", "Rain."));
            TokenBatch trimmed = ClapTextEncoder.withoutTrailingPadding(tokens);
            assertTrue(trimmed.length() < tokens.length(), "the test texts must leave padding to drop");
            FloatTensor padded = encoder.run(tokens);
            FloatTensor fast = encoder.encode(tokens);
            assertEquals(padded.data().length, fast.data().length);
            double max = 0;
            for (int i = 0; i < padded.data().length; i++) {
                max = Math.max(max, Math.abs(padded.data()[i] - fast.data()[i]));
            }
            System.out.printf("CLAP trimmed (%d tokens) vs padded (%d): max abs diff %.2e%n", trimmed.length(),
                    tokens.length(), max);
            assertTrue(max <= 1e-6, "max abs diff " + max);
        }
    }
}
