package ai.audioldm2.audio;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes mono WAV files: 16-bit PCM, or 32-bit IEEE float (format tag 3, with the fact chunk that non-PCM WAV
 * requires).
 *
 * <p>The PCM conversion is the one {@code soundfile.write(..., subtype="PCM_16")} performs (libsndfile 1.2 with
 * clipping on, as soundfile sets it): the sample is scaled to a 32-bit integer (x * 2^31, rounded half to even,
 * clipped to the int range) whose top 16 bits are kept. So 1.0 and above give 32767, -1.0 and below -32768,
 * and in between the result is floor(x * 32768) except within 2^-17 below an integer, where the int32 rounding
 * carries up. NaN, which libsndfile turns into -32768 on x86 and 0 on ARM, is written as 0.
 */
public final class WavWriter {

    /** The sample encoding of the data chunk. */
    public enum SampleFormat {
        PCM16(1, 2), FLOAT32(3, 4);

        final int formatTag;
        final int bytesPerSample;

        SampleFormat(int formatTag, int bytesPerSample) {
            this.formatTag = formatTag;
            this.bytesPerSample = bytesPerSample;
        }
    }

    private static final int PCM_HEADER_BYTES = 44;
    /** RIFF + fmt (18-byte WAVEFORMATEX with cbSize 0) + fact + data headers. */
    private static final int FLOAT_HEADER_BYTES = 12 + 8 + 18 + 12 + 8;
    private static final long MAX_RIFF_BYTES = 0xFFFFFFFFL;

    private WavWriter() {
    }

    /** The whole file in memory. */
    public static byte[] toBytes(float[] samples, int sampleRate, SampleFormat format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(headerBytes(format) + samples.length * format.bytesPerSample);
        try {
            write(samples, sampleRate, format, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
        }
        return out.toByteArray();
    }

    /**
     * Writes the file to {@code out} (not closed).
     *
     * @throws IllegalArgumentException for a sample rate out of range or more samples than a WAV file can hold
     */
    public static void write(float[] samples, int sampleRate, SampleFormat format, OutputStream out) throws IOException {
        if (sampleRate < 1 || sampleRate > Integer.MAX_VALUE / format.bytesPerSample) {
            throw new IllegalArgumentException("sample rate must be between 1 and " + Integer.MAX_VALUE / format.bytesPerSample
                    + ", got " + sampleRate);
        }
        long dataBytes = (long) samples.length * format.bytesPerSample;
        if (dataBytes + headerBytes(format) - 8 > MAX_RIFF_BYTES) {
            throw new IllegalArgumentException(samples.length + " samples do not fit in a WAV file");
        }
        ByteBuffer header = ByteBuffer.allocate(headerBytes(format)).order(ByteOrder.LITTLE_ENDIAN);
        header.put(ascii("RIFF")).putInt((int) (headerBytes(format) - 8 + dataBytes)).put(ascii("WAVE"));
        header.put(ascii("fmt ")).putInt(format == SampleFormat.PCM16 ? 16 : 18);
        header.putShort((short) format.formatTag).putShort((short) 1).putInt(sampleRate)
                .putInt(sampleRate * format.bytesPerSample).putShort((short) format.bytesPerSample)
                .putShort((short) (8 * format.bytesPerSample));
        if (format == SampleFormat.FLOAT32) {
            header.putShort((short) 0); // cbSize: no extension
            header.put(ascii("fact")).putInt(4).putInt(samples.length);
        }
        header.put(ascii("data")).putInt((int) dataBytes);
        out.write(header.array());

        ByteBuffer chunk = ByteBuffer.allocate(8192).order(ByteOrder.LITTLE_ENDIAN);
        for (float sample : samples) {
            if (chunk.remaining() < format.bytesPerSample) {
                out.write(chunk.array(), 0, chunk.position());
                chunk.clear();
            }
            if (format == SampleFormat.PCM16) {
                chunk.putShort(toPcm16(sample));
            } else {
                chunk.putFloat(sample);
            }
        }
        out.write(chunk.array(), 0, chunk.position());
    }

    /** soundfile/libsndfile's float to PCM_16 conversion (see the class comment). */
    static short toPcm16(float sample) {
        if (Float.isNaN(sample)) {
            return 0;
        }
        double scaled = sample * 2147483648.0; // exact: a power-of-two scaling of a float
        int full;
        if (scaled >= Integer.MAX_VALUE) {
            full = Integer.MAX_VALUE;
        } else if (scaled <= Integer.MIN_VALUE) {
            full = Integer.MIN_VALUE;
        } else {
            full = (int) Math.rint(scaled);
        }
        return (short) (full >> 16);
    }

    private static int headerBytes(SampleFormat format) {
        return format == SampleFormat.PCM16 ? PCM_HEADER_BYTES : FLOAT_HEADER_BYTES;
    }

    private static byte[] ascii(String tag) {
        return tag.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
