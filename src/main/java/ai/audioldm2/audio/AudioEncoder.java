package ai.audioldm2.audio;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Turns a mono waveform into a file of one audio format: what the API answers and the command line writes.
 * Both methods throw IllegalArgumentException for a sample rate or length the format cannot hold.
 */
public interface AudioEncoder {

    /** The media type of the files, e.g. audio/wav. */
    String mediaType();

    /** Writes the file to {@code out} (not closed). */
    void encode(float[] samples, int sampleRate, OutputStream out) throws IOException;

    /** The whole file in memory. */
    byte[] toBytes(float[] samples, int sampleRate);
}
