package ai.audioldm2.pipeline;

import ai.audioldm2.bundle.ModelBundleException;
import ai.audioldm2.bundle.ModelConfig;
import ai.audioldm2.audio.AudioLdmMelInput;
import ai.audioldm2.audio.LogMelSpectrogram;
import ai.audioldm2.audio.MelSettings;
import ai.audioldm2.onnx.FloatTensor;
import ai.audioldm2.scheduler.NoiseSource;
import ai.audioldm2.scheduler.Scheduler;

import java.util.Arrays;

/**
 * The start of audio-to-audio: AudioLDM's style transfer, adapted to AudioLDM2 the way diffusers' img2img pipelines
 * start from an image. The input clip is downmixed to mono, resampled to the vocoder's rate (SincResampler, the
 * torchaudio algorithm), normalised as AudioLDM does and turned into the TacotronSTFT log-mel of the bundle's
 * {@code stft} settings, padded or trimmed to the text-to-audio height of the duration ({@link AudioLdmMelInput}).
 * The VAE encoder gives the posterior's mean and logvar; the start latents are
 * {@code (mean + exp(0.5 * logvar) * eps) * scaling_factor}, noised with the scheduler's {@code add_noise} at the
 * first timestep that will run ({@code timesteps[t_start * order]}, t_start = N - int(N * strength)).
 *
 * <p>Seed reproducibility: one torch-compatible generator, seeded once per request, draws in this fixed order (as
 * diffusers' img2img pipelines do):
 * <ol>
 *   <li>the posterior sample's noise eps, one randn call of the latent shape (B*n, C, h, w);</li>
 *   <li>the {@code add_noise} noise, one randn call of the same shape, only when at least one step runs
 *       (strength &gt; 0 with int(N * strength) &ge; 1);</li>
 *   <li>from then on any scheduler noise (DDIM eta &gt; 0, ancestral samplers), step by step.</li>
 * </ol>
 * With no step to run (strength 0, or int(N * strength) = 0) the result is the VAE and vocoder round trip of the
 * posterior sample of the input.
 */
final class AudioToAudio {

    private final VaeEncoder encoder;
    private final LogMelSpectrogram spectrogram;
    private final ModelConfig config;
    private final float scalingFactor;

    AudioToAudio(VaeEncoder encoder, ModelConfig config) {
        if (config.stft() == null) {
            throw new ModelBundleException("manifest.json has no config.stft block, which audio-to-audio needs; "
                    + "re-export the bundle");
        }
        ModelConfig.Stft stft = config.stft();
        this.encoder = encoder;
        this.config = config;
        this.spectrogram = new LogMelSpectrogram(new MelSettings(config.samplingRate(), stft.nFft(), stft.winLength(),
                stft.hopLength(), stft.melBins(), stft.fmin(), stft.fmax()));
        // latents * scaling_factor: torch multiplies float32 by the scalar rounded to float32
        this.scalingFactor = (float) config.vaeScalingFactor();
    }

    /** The latents the denoising loop starts from at {@code plan.firstStep()}, shape {@code plan.latentShape()}. */
    float[] startLatents(GenerationPlan plan, NoiseSource generator, IntermediatesSink sink) {
        int frames = plan.melFrames(config);
        float[][] mel = AudioLdmMelInput.melFrom(plan.inputAudio(), spectrogram, frames);
        float[] melData = new float[frames * config.melBins()];
        for (int f = 0; f < frames; f++) {
            System.arraycopy(mel[f], 0, melData, f * config.melBins(), config.melBins());
        }
        long[] melShape = {1, 1, frames, config.melBins()};
        sink.melInput(melData, melShape);
        // every row encodes the same mel: encode it once and repeat the posterior
        VaeEncoder.Posterior posterior = encoder.encode(new FloatTensor(melData, melShape));
        int rows = Math.toIntExact(plan.latentShape()[0]);
        float[] mean = posterior.mean().repeatRows(rows).data();
        float[] logvar = posterior.logvar().repeatRows(rows).data();
        long[] shape = plan.latentShape();
        long[] rowShape = posterior.mean().shape().clone();
        rowShape[0] = rows;
        if (!Arrays.equals(rowShape, shape)) {
            throw new ModelBundleException("vae_encoder.onnx made latents " + Arrays.toString(rowShape)
                    + " for a mel of " + frames + " frames; the pipeline expects " + Arrays.toString(shape));
        }
        float[] latents = new float[mean.length];
        generator.fillNormal(latents);                                  // draw 1: eps
        for (int i = 0; i < latents.length; i++) {
            float std = (float) Math.exp(0.5f * logvar[i]);
            latents[i] = mean[i] + std * latents[i];
        }
        sink.posterior(mean, logvar, latents, shape);
        for (int i = 0; i < latents.length; i++) {
            latents[i] *= scalingFactor;
        }
        Scheduler scheduler = plan.scheduler();
        if (plan.firstStep() >= scheduler.timesteps().length) {
            return latents;                                             // nothing to denoise: no draw 2
        }
        float[] noise = new float[latents.length];
        generator.fillNormal(noise);                                    // draw 2: add_noise
        float[] noised = new float[latents.length];
        scheduler.addNoise(latents, noise, scheduler.timesteps()[plan.firstStep()], noised);
        return noised;
    }
}
