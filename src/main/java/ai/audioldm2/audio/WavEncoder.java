package ai.audioldm2.audio;

import java.io.IOException;
import java.io.OutputStream;

/** Mono WAV in one of {@link WavWriter}'s sample formats. */
public enum WavEncoder implements AudioEncoder {

    /** 16-bit PCM, converted as soundfile's PCM_16: what the service answers. */
    PCM16(WavWriter.SampleFormat.PCM16),
    /** 32-bit IEEE float: the waveform bit for bit. */
    FLOAT32(WavWriter.SampleFormat.FLOAT32);

    public static final String MEDIA_TYPE = "audio/wav";

    private final WavWriter.SampleFormat format;

    WavEncoder(WavWriter.SampleFormat format) {
        this.format = format;
    }

    @Override
    public String mediaType() {
        return MEDIA_TYPE;
    }

    @Override
    public void encode(float[] samples, int sampleRate, OutputStream out) throws IOException {
        WavWriter.write(samples, sampleRate, format, out);
    }

    @Override
    public byte[] toBytes(float[] samples, int sampleRate) {
        return WavWriter.toBytes(samples, sampleRate, format);
    }
}
