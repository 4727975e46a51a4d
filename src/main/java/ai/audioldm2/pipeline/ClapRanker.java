package ai.audioldm2.pipeline;

import ai.audioldm2.bundle.ModelBundleException;
import ai.audioldm2.bundle.ModelConfig;
import ai.audioldm2.audio.ClapFeatureExtractor;
import ai.audioldm2.audio.ClapFeatureSettings;
import ai.audioldm2.audio.SincResampler;
import ai.audioldm2.onnx.FloatTensor;

import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Ranks the candidates of each prompt by CLAP score, as diffusers' {@code AudioLDM2Pipeline.score_waveforms} does,
 * with three deliberate differences:
 * <ul>
 *   <li>per prompt: prompt p's candidates (rows p*n .. p*n+n-1) are ordered among themselves (diffusers' argsort
 *       over all rows lets a prompt pick another prompt's audio, diffusers #13602);</li>
 *   <li>16 → 48 kHz with {@link SincResampler} (torchaudio's algorithm) instead of librosa's soxr_hq, which cannot
 *       be reproduced bit-exactly; on the tiny bundle's fixtures the swap moves scores by up to 0.12 (of about 6)
 *       and kept every order (reference/clap_ranking/fixtures.json, {@code librosa_vs_sinc});</li>
 *   <li>clips longer than the extractor's max length use {@link ClapFeatureExtractor}'s centred crop, not
 *       rand_trunc's random one.</li>
 * </ul>
 * Score = logit_scale * (text embedding · audio embedding), both L2-normalised: diffusers' logits_per_text. The text
 * embeddings are the ones generation already computed (padded to clap_max_length; trailing padding does not change
 * them, ClapTextEncoderTest).
 */
final class ClapRanker {

    /** Candidates reordered best first per prompt, their scores, and their generation-order indices. */
    record Ranking(float[][] waveforms, float[] scores, int[] order) {
    }

    private final ClapAudioEncoder encoder;
    private final ClapFeatureExtractor extractor;
    private final int inputRate;
    private final float logitScale;

    ClapRanker(ClapAudioEncoder encoder, ModelConfig config) {
        ModelConfig.ClapFeatures f = config.clapFeatureExtractor();
        if (f == null || config.clapLogitScale() == null) {
            throw new ModelBundleException("manifest.json lacks config.clap_feature_extractor or "
                    + "config.clap_logit_scale, which CLAP ranking needs; re-export the bundle");
        }
        this.encoder = encoder;
        this.extractor = new ClapFeatureExtractor(new ClapFeatureSettings(f.samplingRate(), f.fftWindowSize(),
                f.hopLength(), f.featureSize(), f.frequencyMin(), f.frequencyMax(), f.maxLengthSeconds()));
        this.inputRate = config.samplingRate();
        this.logitScale = config.clapLogitScale().floatValue();
    }

    /** The CLAP input features of each waveform (given at the vocoder's rate): (rows, 1, frames, mel_bins). */
    FloatTensor features(float[][] waveforms) {
        int rows = waveforms.length;
        int frames = extractor.settings().frames();
        int bins = extractor.settings().featureSize();
        float[] data = new float[rows * frames * bins];
        for (int r = 0; r < rows; r++) {
            float[][] features = extractor.extract(SincResampler.resample(waveforms[r], inputRate,
                    extractor.settings().sampleRate()));
            for (int f = 0; f < frames; f++) {
                System.arraycopy(features[f], 0, data, (r * frames + f) * bins, bins);
            }
        }
        return new FloatTensor(data, new long[] {rows, 1, frames, bins});
    }

    /** Score of each row against its own prompt's text embedding ({@code textEmbeds} row = row / perPrompt). */
    float[] scores(FloatTensor textEmbeds, float[][] waveforms, int perPrompt) {
        FloatTensor audio = encoder.encode(features(waveforms));
        int dim = audio.dim(1);
        float[] scores = new float[waveforms.length];
        for (int r = 0; r < scores.length; r++) {
            int text = (r / perPrompt) * dim;
            double dot = 0;
            for (int k = 0; k < dim; k++) {
                dot += (double) textEmbeds.data()[text + k] * audio.data()[r * dim + k];
            }
            scores[r] = (float) dot * logitScale;
        }
        return scores;
    }

    Ranking rank(FloatTensor textEmbeds, float[][] waveforms, int perPrompt) {
        float[] scores = scores(textEmbeds, waveforms, perPrompt);
        int[] order = new int[waveforms.length];
        for (int p = 0; p < waveforms.length / perPrompt; p++) {
            int first = p * perPrompt;
            int[] best = IntStream.range(first, first + perPrompt).boxed()
                    .sorted(Comparator.comparingDouble((Integer i) -> scores[i]).reversed())
                    .mapToInt(Integer::intValue).toArray();
            System.arraycopy(best, 0, order, first, perPrompt);
        }
        float[][] ranked = new float[order.length][];
        float[] rankedScores = new float[order.length];
        for (int i = 0; i < order.length; i++) {
            ranked[i] = waveforms[order[i]];
            rankedScores[i] = scores[order[i]];
        }
        return new Ranking(ranked, rankedScores, order);
    }
}
