package ai.audioldm2.audio;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer's coverage-guided fuzzing of {@link AudioDecoder#decode}: any input either decodes or throws
 * {@link AudioDecodeException}; anything else (a runtime exception, an error, an allocation past the limits)
 * fails. Without JAZZER_FUZZ it runs the committed seed corpus in
 * src/test/resources/ai/audioldm2/audio/AudioDecoderJazzerTestInputs/decode as a regular test.
 */
class AudioDecoderJazzerTest {
    private static final DecodeLimits LIMITS = new DecodeLimits(1L << 20, 30.0, 1_000, 384_000, 8, 1L << 20);

    @FuzzTest(maxDuration = "60s")
    void decode(byte[] data) {
        try {
            AudioDecoder.decode(data, LIMITS);
        } catch (AudioDecodeException expected) {
            // the one failure a decoder may report
        }
    }
}
