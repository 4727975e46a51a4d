package ai.audioldm2.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.audioldm2.audio.WavWriter.SampleFormat;
import ai.audioldm2.testing.Npy;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;

/**
 * The files are decoded with javax.sound.sampled and compared with what soundfile 0.14 (libsndfile 1.2.2) writes
 * for the same float32 signal (scripts/make_unit_fixtures.py audio). No tolerance: WAV stores the exact values.
 */
class WavWriterTest {

    private static final float[] SIGNAL = Npy.resource("/fixtures/audio/signal.npy").floats();

    @Test
    void pcm16IsByteForByteWhatSoundfileWrites() {
        byte[] ours = WavWriter.toBytes(SIGNAL, 16000, SampleFormat.PCM16);
        assertArrayEquals(resource("/fixtures/audio/signal_pcm16.wav"), ours);
    }

    @Test
    void pcm16DecodesWithJavaSound() throws Exception {
        byte[] ours = WavWriter.toBytes(SIGNAL, 16000, SampleFormat.PCM16);
        try (AudioInputStream in = AudioSystem.getAudioInputStream(new ByteArrayInputStream(ours))) {
            AudioFormat format = in.getFormat();
            assertEquals(AudioFormat.Encoding.PCM_SIGNED, format.getEncoding());
            assertEquals(16000f, format.getSampleRate());
            assertEquals(16, format.getSampleSizeInBits());
            assertEquals(1, format.getChannels());
            assertEquals(false, format.isBigEndian());
            assertEquals(SIGNAL.length, in.getFrameLength());
            short[] decoded = shorts(in.readAllBytes());
            short[] soundfile = shorts(dataChunk(resource("/fixtures/audio/signal_pcm16.wav")));
            assertArrayEquals(soundfile, decoded);
        }
        // spot checks that do not depend on the fixture
        assertEquals(32767, WavWriter.toPcm16(1.0f));
        assertEquals(32767, WavWriter.toPcm16(7.5f));
        assertEquals(-32768, WavWriter.toPcm16(-1.0f));
        assertEquals(-32768, WavWriter.toPcm16(Float.NEGATIVE_INFINITY));
        assertEquals(3276, WavWriter.toPcm16(0.1f)); // floor(3276.8)
        assertEquals(-3277, WavWriter.toPcm16(-0.1f));
        assertEquals(0, WavWriter.toPcm16(Float.NaN));
    }

    @Test
    void float32DecodesWithJavaSoundAndKeepsEveryBit() throws Exception {
        byte[] ours = WavWriter.toBytes(SIGNAL, 22050, SampleFormat.FLOAT32);
        try (AudioInputStream in = AudioSystem.getAudioInputStream(new ByteArrayInputStream(ours))) {
            AudioFormat format = in.getFormat();
            assertEquals(AudioFormat.Encoding.PCM_FLOAT, format.getEncoding());
            assertEquals(22050f, format.getSampleRate());
            assertEquals(32, format.getSampleSizeInBits());
            assertEquals(1, format.getChannels());
            assertEquals(SIGNAL.length, in.getFrameLength());
            float[] decoded = new float[SIGNAL.length];
            ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(decoded);
            assertArrayEquals(SIGNAL, decoded, 0f);
        }
        // the same data chunk as soundfile's FLOAT subtype (whose header also carries a PEAK chunk)
        assertArrayEquals(dataChunk(resource("/fixtures/audio/signal_float.wav")),
                dataChunk(WavWriter.toBytes(SIGNAL, 16000, SampleFormat.FLOAT32)));
    }

    @Test
    void floatHeaderHasFormatTag3AndAFactChunk() {
        byte[] wav = WavWriter.toBytes(new float[] {0.5f, -0.25f, 1.5f}, 16000, SampleFormat.FLOAT32);
        ByteBuffer b = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals("RIFF", tag(wav, 0));
        assertEquals(wav.length - 8, b.getInt(4));
        assertEquals("WAVE", tag(wav, 8));
        assertEquals("fmt ", tag(wav, 12));
        assertEquals(18, b.getInt(16));
        assertEquals(3, b.getShort(20));
        assertEquals(1, b.getShort(22));
        assertEquals(16000, b.getInt(24));
        assertEquals(64000, b.getInt(28));
        assertEquals(4, b.getShort(32));
        assertEquals(32, b.getShort(34));
        assertEquals(0, b.getShort(36));
        assertEquals("fact", tag(wav, 38));
        assertEquals(4, b.getInt(42));
        assertEquals(3, b.getInt(46));
        assertEquals("data", tag(wav, 50));
        assertEquals(12, b.getInt(54));
        assertEquals(1.5f, b.getFloat(66));
    }

    @Test
    void writesToAStreamAndHandlesEmptyAudio() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WavWriter.write(SIGNAL, 16000, SampleFormat.PCM16, out);
        assertArrayEquals(WavWriter.toBytes(SIGNAL, 16000, SampleFormat.PCM16), out.toByteArray());
        byte[] empty = WavWriter.toBytes(new float[0], 16000, SampleFormat.PCM16);
        assertEquals(44, empty.length);
        try (AudioInputStream in = AudioSystem.getAudioInputStream(new ByteArrayInputStream(empty))) {
            assertEquals(0, in.getFrameLength());
        }
    }

    @Test
    void rejectsBadSampleRates() {
        assertThrows(IllegalArgumentException.class, () -> WavWriter.toBytes(new float[1], 0, SampleFormat.PCM16));
        assertThrows(IllegalArgumentException.class, () -> WavWriter.toBytes(new float[1], -16000, SampleFormat.FLOAT32));
        assertThrows(IllegalArgumentException.class,
                () -> WavWriter.toBytes(new float[1], Integer.MAX_VALUE, SampleFormat.FLOAT32));
    }

    /** The payload of the "data" chunk of a RIFF/WAVE file. */
    private static byte[] dataChunk(byte[] wav) {
        ByteBuffer b = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
        int offset = 12;
        while (offset + 8 <= wav.length) {
            int size = b.getInt(offset + 4);
            if (tag(wav, offset).equals("data")) {
                return Arrays.copyOfRange(wav, offset + 8, offset + 8 + size);
            }
            offset += 8 + size + (size & 1);
        }
        throw new IllegalArgumentException("no data chunk");
    }

    private static String tag(byte[] wav, int offset) {
        return new String(wav, offset, 4, java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static short[] shorts(byte[] bytes) {
        short[] out = new short[bytes.length / 2];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(out);
        return out;
    }

    private static byte[] resource(String name) {
        try (InputStream in = WavWriterTest.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
