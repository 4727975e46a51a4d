package ai.audioldm2.pipeline;

import ai.audioldm2.onnx.FloatTensor;
import ai.audioldm2.onnx.GraphRun;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

import java.util.Arrays;

/** SpeechT5 HiFi-GAN: mel (B, 1, T, F) → waveform rows, cut at the requested number of samples. */
record Vocoder(OrtEnvironment env, OrtSession session) {

    static final String GRAPH = "vocoder";

    float[][] vocode(FloatTensor mel, int samples) {
        return cut(run(mel), samples);
    }

    /** The vocoder's whole output, (B, samples). */
    FloatTensor run(FloatTensor mel) {
        // mel_spectrogram.squeeze(1): same data, (B, T, F)
        FloatTensor input = new FloatTensor(mel.data(), new long[] {mel.shape()[0], mel.shape()[2], mel.shape()[3]});
        try (GraphRun run = new GraphRun(env, session, GRAPH)) {
            return run.input("mel", input).runFloat("waveform");
        }
    }

    /**
     * diffusers' {@code audio[:, :original_waveform_length]}: the latent height is int(duration / seconds per frame)
     * rounded to the VAE scale, so the vocoder can make fewer samples than asked for (1.13 s: 112 frames, which a
     * 160-samples-a-frame vocoder makes 17920 of the 18080 samples asked for), and then all of them are returned.
     */
    static float[][] cut(FloatTensor waveform, int samples) {
        int rows = waveform.dim(0);
        int length = waveform.dim(1);
        int kept = Math.min(length, samples);
        float[][] out = new float[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = Arrays.copyOfRange(waveform.data(), r * length, r * length + kept);
        }
        return out;
    }
}
