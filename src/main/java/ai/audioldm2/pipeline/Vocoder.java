package ai.audioldm2.pipeline;

import ai.audioldm2.bundle.ModelBundleException;
import ai.audioldm2.onnx.FloatTensor;
import ai.audioldm2.onnx.GraphRun;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

import java.util.Arrays;

/** SpeechT5 HiFi-GAN: mel (B, 1, T, F) → waveform rows, trimmed to the requested number of samples. */
record Vocoder(OrtEnvironment env, OrtSession session) {

    static final String GRAPH = "vocoder";

    float[][] vocode(FloatTensor mel, int samples) {
        // mel_spectrogram.squeeze(1): same data, (B, T, F)
        FloatTensor input = new FloatTensor(mel.data(), new long[] {mel.shape()[0], mel.shape()[2], mel.shape()[3]});
        FloatTensor waveform;
        try (GraphRun run = new GraphRun(env, session, GRAPH)) {
            waveform = run.input("mel", input).runFloat("waveform");
        }
        int rows = waveform.dim(0);
        int length = waveform.dim(1);
        if (length < samples) {
            throw new ModelBundleException("the vocoder made " + length + " samples per waveform, fewer than the "
                    + samples + " requested: manifest config (vocoder_hop, sampling_rate) disagrees with vocoder.onnx");
        }
        float[][] out = new float[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = Arrays.copyOfRange(waveform.data(), r * length, r * length + samples);
        }
        return out;
    }
}
