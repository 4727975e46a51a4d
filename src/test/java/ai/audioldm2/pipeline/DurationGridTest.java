package ai.audioldm2.pipeline;

import ai.audioldm2.bundle.ModelBundle;
import ai.audioldm2.bundle.ModelConfig;
import ai.audioldm2.bundle.TinyBundle;
import ai.audioldm2.onnx.FloatTensor;
import ai.audioldm2.onnx.RuntimeOptions;
import ai.audioldm2.onnx.SessionFactory;
import ai.audioldm2.scheduler.SchedulerConfig;
import ai.audioldm2.scheduler.Schedulers;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every duration of the API's range, 1.00 to 30.00 s by 0.01 s, planned and vocoded on the committed bundle, gives
 * the length diffusers gives (issue 14, defect 1: 66 of them failed): height = int(duration / seconds per frame)
 * rounded up to the VAE scale, the waveform cut at int(duration * sampling_rate), which may be more than the
 * vocoder made.
 */
class DurationGridTest {

    @Test
    void everyDurationOfTheApiRangeGivesDiffusersLength() throws Exception {
        ModelBundle bundle = ModelBundle.open(TinyBundle.DIR);
        ModelConfig config = bundle.config();
        SchedulerConfig schedulers = SchedulerConfig.fromMap(Map.of());
        SessionFactory factory = SessionFactory.create(RuntimeOptions.cpuDefaults());
        Map<Integer, FloatTensor> byHeight = new HashMap<>();
        List<String> shorter = new ArrayList<>();
        try (OrtSession session = factory.open(bundle, Vocoder.GRAPH)) {
            Vocoder vocoder = new Vocoder(factory.environment(), session);
            for (int centis = 100; centis <= 3000; centis++) {
                double duration = centis / 100.0;     // the double a JSON "1.13" parses to
                GenerationPlan plan = GenerationPlan.of(GenerationRequest.of("rain", null, duration, 10, 3.5, 1,
                        "ddim"), new RequestMemory(config, Long.MAX_VALUE), Schedulers.names(), (name, steps, eta) ->
                        Schedulers.create(name, schedulers, steps, eta));
                int frames = plan.melFrames(config);
                assertEquals(diffusersHeight(duration, config), frames, duration + " s: mel frames");
                // the graph runs once per height (about 725 of them); each duration is cut from its height's output
                FloatTensor vocoded = byHeight.computeIfAbsent(frames, f -> vocoder.run(silentMel(f, config)));
                float[] waveform = Vocoder.cut(vocoded, plan.waveformSamples())[0];
                int requested = (int) (duration * config.samplingRate());
                assertEquals(Math.min(requested, vocoded.dim(1)), waveform.length, duration + " s: samples");
                if (waveform.length < requested) {
                    shorter.add(String.valueOf(duration));
                }
            }
        }
        System.out.printf("duration grid: %d of 2901 durations give fewer samples than int(duration * rate), "
                + "as in diffusers: %s%n", shorter.size(), shorter);
        // the examples are among them, so the cut-short path is the one exercised
        assertTrue(shorter.containsAll(List.of("1.13", "2.01", "4.77", "5.01", "8.29", "9.77")), shorter.toString());
    }

    /** diffusers' AudioLDM2Pipeline.__call__, in float64 like numpy. */
    private static int diffusersHeight(double duration, ModelConfig config) {
        double vocoderUpsampleFactor = (double) config.vocoderHop() / config.samplingRate();
        int height = (int) (duration / vocoderUpsampleFactor);
        int scale = config.vaeScaleFactor();
        return height % scale == 0 ? height : (int) Math.ceil((double) height / scale) * scale;
    }

    private static FloatTensor silentMel(int frames, ModelConfig config) {
        return new FloatTensor(new float[frames * config.melBins()], new long[] {1, 1, frames, config.melBins()});
    }
}
