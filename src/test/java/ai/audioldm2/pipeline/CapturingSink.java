package ai.audioldm2.pipeline;

import ai.audioldm2.text.TokenBatch;

import java.util.LinkedHashMap;
import java.util.Map;

/** Keeps copies of every intermediate, by the name of its diffusers reference file. */
final class CapturingSink implements IntermediatesSink {

    record Captured(float[] floats, long[] longs, long[] shape) {
    }

    final Map<String, Captured> captured = new LinkedHashMap<>();
    float[][] generatedWaveforms;

    @Override
    public void tokens(TokenBatch clap, TokenBatch t5) {
        putLongs("clap_input_ids", clap.ids().data(), clap.ids().shape());
        putLongs("clap_attention_mask", clap.mask().data(), clap.mask().shape());
        putLongs("t5_input_ids", t5.ids().data(), t5.ids().shape());
        putLongs("t5_attention_mask", t5.mask().data(), t5.mask().shape());
    }

    @Override
    public void initialLatents(float[] data, long[] shape) {
        put("initial_latents", data, shape);
    }

    @Override
    public void t5(float[] embeds, long[] embedsShape, long[] mask, long[] maskShape) {
        put("t5_embeds", embeds, embedsShape);
        putLongs("t5_mask", mask, maskShape);
    }

    @Override
    public void generatedEmbeds(float[] data, long[] shape) {
        put("gpt2_embeds", data, shape);
    }

    @Override
    public void finalLatents(float[] data, long[] shape) {
        put("final_latents", data, shape);
    }

    @Override
    public void mel(float[] data, long[] shape) {
        put("mel", data, shape);
    }

    @Override
    public void melInput(float[] data, long[] shape) {
        put("mel_input", data, shape);
    }

    @Override
    public void posterior(float[] mean, float[] logvar, float[] sample, long[] shape) {
        put("posterior_mean", mean, shape);
        put("posterior_logvar", logvar, shape);
        put("posterior_latents", sample, shape);
    }

    @Override
    public void generatedWaveforms(float[][] waveforms) {
        generatedWaveforms = waveforms.clone();
    }

    private void putLongs(String name, long[] data, long[] shape) {
        captured.put(name, new Captured(null, data.clone(), shape.clone()));
    }

    private void put(String name, float[] data, long[] shape) {
        captured.put(name, new Captured(data.clone(), null, shape.clone()));
    }
}
