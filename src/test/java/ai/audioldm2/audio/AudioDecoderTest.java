package ai.audioldm2.audio;

import ai.audioldm2.audio.AudioDecodeException.Problem;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AudioDecoderTest {

    /**
     * Lossless files against libsndfile's float64 decode. 8/16/24-bit integers are exact in float32; 32-bit integers
     * and 64-bit floats are rounded to float32 (relative half-ulp 6e-8, values below 1).
     */
    private static final double LOSSLESS_TOLERANCE = 1e-7;
    /** JOrbis against libvorbis on the same stream: two float32 implementations of the same inverse MDCT. */
    private static final double VORBIS_TOLERANCE = 1e-6;
    /**
     * MP3: JLayer (16-bit integer output) against libsndfile's mpg123 (float) on the same stream, after the same
     * gapless trimming. Both decoders are exact up to their rounding, measured 53.5 dB apart; the codec itself is
     * only about 20 dB from the encoded signal, so this bound would catch a wrong alignment or a broken frame.
     */
    private static final double MP3_MIN_SNR_DB = 45;

    @Test
    void decodesEveryFixtureLikeLibsndfile() {
        for (JsonNode c : DspFixtures.index().get("decode")) {
            String file = c.get("file").asText();
            DecodedAudio audio = AudioDecoder.decode(DspFixtures.bytes(file), DecodeLimits.DEFAULT);
            int channels = c.get("channels").asInt();
            assertEquals(c.get("sample_rate").asInt(), audio.sampleRate(), file);
            assertEquals(channels, audio.channelCount(), file);
            String format = c.get("format").asText();
            if (c.get("lossless").asBoolean() || format.equals("OGG")) {
                double[] expected = DspFixtures.array(c.get("expected"));
                assertEquals(expected.length, audio.frames() * channels, file + ": length");
                double worst = 0;
                for (int i = 0; i < audio.frames(); i++) {
                    for (int ch = 0; ch < channels; ch++) {
                        worst = Math.max(worst, Math.abs(audio.channels()[ch][i] - expected[i * channels + ch]));
                    }
                }
                double tolerance = format.equals("OGG") ? VORBIS_TOLERANCE : LOSSLESS_TOLERANCE;
                System.out.printf("decode %-28s max |java - libsndfile| = %.3g%n", file, worst);
                assertTrue(worst <= tolerance, file + ": " + worst);
            } else {
                double[] expected = DspFixtures.array(c.get("expected"));
                assertEquals(expected.length, audio.frames() * channels, file + ": length after gapless trimming");
                double snr = snrDb(audio, expected, channels);
                System.out.printf("decode %-28s SNR vs libsndfile (mpg123) = %.1f dB%n", file, snr);
                assertTrue(snr >= MP3_MIN_SNR_DB, file + ": " + snr);
            }
        }
    }

    @Test
    void monoIsTheMeanOfTheChannels() {
        byte[] wav = TestWavs.riff(TestWavs.fmt(1, 2, 16000, 4, 16), TestWavs.pcm16(0.5f, -0.25f, 1f, 1f));
        DecodedAudio audio = AudioDecoder.decode(wav, DecodeLimits.DEFAULT);
        float[] mono = audio.mono();
        assertEquals(2, mono.length);
        assertEquals((16384 - 8192) / 2.0 / 32768, mono[0], 1e-9); // round(0.5 * 32767), round(-0.25 * 32767)
        assertEquals(32767 / 32768.0, mono[1], 1e-9);
    }

    @Test
    void silenceIsValid() {
        DecodedAudio audio = AudioDecoder.decode(TestWavs.wav(1, 1, 16000, 16, 16000), DecodeLimits.DEFAULT);
        assertEquals(16000, audio.frames());
        assertArrayEquals(new float[16000], audio.mono());
    }

    @Test
    void toleratesOddChunksAndStreamingSizes() {
        byte[] list = TestWavs.chunk("LIST", new byte[] {1, 2, 3}); // odd size: padded to even
        byte[] wav = TestWavs.riff(list, TestWavs.fmt(1, 1, 8000, 2, 16), TestWavs.pcm16(0.5f, -0.5f));
        assertEquals(2, AudioDecoder.decode(wav, DecodeLimits.DEFAULT).frames());
        int dataSizeAt = wav.length - 4 - 4;
        Arrays.fill(wav, dataSizeAt, dataSizeAt + 4, (byte) 0xFF); // "unknown length": read to the end
        assertEquals(2, AudioDecoder.decode(wav, DecodeLimits.DEFAULT).frames());
    }

    @Test
    void rejectsEmptyAndOversizedInput() {
        expect(Problem.EMPTY, "empty", new byte[0], DecodeLimits.DEFAULT);
        expect(Problem.TOO_LARGE, "bytes", TestWavs.wav(1, 1, 16000, 16, 1000), DecodeLimits.DEFAULT.withMaxBytes(100));
    }

    @Test
    void rejectsTruncatedWavs() {
        byte[] wav = TestWavs.wav(1, 2, 16000, 16, 1000);
        expect(Problem.TRUNCATED, "12-byte", Arrays.copyOf(wav, 10), DecodeLimits.DEFAULT);
        expect(Problem.TRUNCATED, "chunk 'fmt ' declares 16 bytes", Arrays.copyOf(wav, 30), DecodeLimits.DEFAULT);
        expect(Problem.TRUNCATED, "no 'data' chunk", Arrays.copyOf(wav, 36), DecodeLimits.DEFAULT);
        expect(Problem.TRUNCATED, "'data' chunk declares 4000 bytes but only 2000",
                Arrays.copyOf(wav, 44 + 2000), DecodeLimits.DEFAULT);
    }

    @Test
    void rejectsWrongHeaders() {
        byte[] avi = TestWavs.wav(1, 1, 16000, 16, 10);
        System.arraycopy("AVI ".getBytes(StandardCharsets.US_ASCII), 0, avi, 8, 4);
        expect(Problem.MALFORMED, "not 'WAVE'", avi, DecodeLimits.DEFAULT);
        expect(Problem.UNRECOGNISED_FORMAT, "signatures",
                "hello, this is text".getBytes(StandardCharsets.US_ASCII), DecodeLimits.DEFAULT);
        expect(Problem.MALFORMED, "block align",
                TestWavs.riff(TestWavs.fmt(1, 2, 16000, 3, 16), TestWavs.pcm16(0, 0)), DecodeLimits.DEFAULT);
        expect(Problem.MALFORMED, "before any 'fmt '",
                TestWavs.riff(TestWavs.pcm16(0, 0), TestWavs.fmt(1, 1, 16000, 2, 16)), DecodeLimits.DEFAULT);
    }

    @Test
    void rejectsUnsupportedEncodings() {
        expect(Problem.UNSUPPORTED_ENCODING, "0x0002", TestWavs.wav(2, 1, 16000, 4, 100), DecodeLimits.DEFAULT);
        expect(Problem.UNSUPPORTED_ENCODING, "0x0006", TestWavs.wav(6, 1, 8000, 8, 100), DecodeLimits.DEFAULT);
        expect(Problem.UNSUPPORTED_ENCODING, "12 bits", TestWavs.wav(1, 1, 16000, 12, 100), DecodeLimits.DEFAULT);
        expect(Problem.UNSUPPORTED_ENCODING, "16 bits", TestWavs.wav(3, 1, 16000, 16, 100), DecodeLimits.DEFAULT);
    }

    @Test
    void rejectsBadSampleRatesAndChannelCounts() {
        expect(Problem.BAD_SAMPLE_RATE, "0 Hz", TestWavs.wav(1, 1, 0, 16, 100), DecodeLimits.DEFAULT);
        expect(Problem.BAD_SAMPLE_RATE, "4000000000 Hz", TestWavs.wav(1, 1, 4_000_000_000L, 16, 100),
                DecodeLimits.DEFAULT);
        expect(Problem.BAD_SAMPLE_RATE, "500 Hz", TestWavs.wav(1, 1, 500, 16, 100), DecodeLimits.DEFAULT);
        expect(Problem.BAD_CHANNEL_COUNT, "channel count in the WAV header: 9", TestWavs.wav(1, 9, 16000, 16, 10),
                DecodeLimits.DEFAULT);
        expect(Problem.BAD_CHANNEL_COUNT, ": 0", TestWavs.wav(1, 0, 16000, 16, 10), DecodeLimits.DEFAULT);
    }

    @Test
    void rejectsClipsLongerThanTheLimitBeforeDecodingThem() {
        byte[] twoSeconds = TestWavs.wav(1, 1, 16000, 16, 32000);
        expect(Problem.TOO_LONG, "2.00 s", twoSeconds, DecodeLimits.DEFAULT.withMaxDurationSeconds(1.5));
        assertEquals(32000, AudioDecoder.decode(twoSeconds, DecodeLimits.DEFAULT).frames());
        for (JsonNode c : DspFixtures.index().get("decode")) { // compressed streams: checked while decoding
            expect(Problem.TOO_LONG, "too long", DspFixtures.bytes(c.get("file").asText()),
                    DecodeLimits.DEFAULT.withMaxDurationSeconds(0.05));
        }
    }

    @Test
    void rejectsNonFiniteFloatSamples() {
        byte[] data = TestWavs.chunk("data", new byte[] {0, 0, (byte) 0xC0, 0x7F}); // a float32 NaN
        expect(Problem.MALFORMED, "non-finite", TestWavs.riff(TestWavs.fmt(3, 1, 16000, 4, 32), data),
                DecodeLimits.DEFAULT);
    }

    @Test
    void rejectsEmptyDataAndTruncatedCompressedStreams() {
        expect(Problem.EMPTY, "no audio samples", TestWavs.wav(1, 1, 16000, 16, 0), DecodeLimits.DEFAULT);
        byte[] flac = DspFixtures.bytes("decode/flac_16.flac");
        expect(Problem.TRUNCATED, "Truncated FLAC", Arrays.copyOf(flac, flac.length / 2), DecodeLimits.DEFAULT);
        expect(Problem.TRUNCATED, "Truncated FLAC", Arrays.copyOf(flac, 20), DecodeLimits.DEFAULT);
        byte[] ogg = DspFixtures.bytes("decode/vorbis.ogg");
        expect(Problem.TRUNCATED, "Vorbis headers", Arrays.copyOf(ogg, 60), DecodeLimits.DEFAULT);
    }

    private static void expect(Problem problem, String detail, byte[] data, DecodeLimits limits) {
        AudioDecodeException e = assertThrows(AudioDecodeException.class, () -> AudioDecoder.decode(data, limits));
        assertEquals(problem, e.problem(), e.getMessage());
        assertTrue(e.getMessage().contains(detail), e.getMessage());
        assertTrue(e.getMessage().contains("Accepted: WAV"), e.getMessage());
    }

    private static double snrDb(DecodedAudio audio, double[] expected, int channels) {
        double signal = 0;
        double error = 0;
        for (int i = 0; i < audio.frames(); i++) {
            for (int ch = 0; ch < channels; ch++) {
                double s = expected[i * channels + ch];
                double d = audio.channels()[ch][i] - s;
                signal += s * s;
                error += d * d;
            }
        }
        return 10 * Math.log10(signal / error);
    }
}
