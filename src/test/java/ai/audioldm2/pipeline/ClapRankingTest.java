package ai.audioldm2.pipeline;

import ai.audioldm2.bundle.ModelBundle;
import ai.audioldm2.bundle.TinyBundle;
import ai.audioldm2.onnx.FloatTensor;
import ai.audioldm2.onnx.RuntimeOptions;
import ai.audioldm2.onnx.SessionFactory;
import ai.audioldm2.text.PromptTokenizers;
import ai.onnxruntime.OrtSession;
import ai.audioldm2.testing.Npy;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CLAP ranking against reference/clap_ranking/ (scripts/audioldm2_export/ranking.py: transformers' ClapModel and
 * ClapFeatureExtractor on audio resampled by the torchaudio algorithm, centred crop, scores per prompt).
 *
 * <p>Tolerances:
 * <ul>
 *   <li>CLAP features: {@value #FEATURE_TOLERANCE_DB} dB absolute (issue 6). Same float32 48 kHz input up to the
 *       resampler's float64-vs-float64 rounding (5e-8), same float64 STFT and filters.</li>
 *   <li>scores (logit_scale &times; cosine, about 6 here): {@value #SCORE_TOLERANCE} absolute. ONNX Runtime's CLAP
 *       towers agree with torch to about 2e-7 per embedding element (exporter validation), which moves a score by
 *       a few 1e-6; the fixtures' smallest gap between two candidates of one prompt is checked to exceed twice this
 *       bound, so that the order comparison means something.</li>
 *   <li>order: equal.</li>
 * </ul>
 */
@ExtendWith(TinyPipeline.class)
class ClapRankingTest {

    static final double FEATURE_TOLERANCE_DB = 1e-4;
    static final double SCORE_TOLERANCE = 1e-4;
    private static final Path FIXTURES = TinyBundle.DIR.resolve("reference").resolve("clap_ranking");
    private static AudioLdm2Pipeline pipeline;
    /** The two CLAP towers on their own sessions, to check the ranking stage by itself. */
    private static PromptTokenizers tokenizers;
    private static Map<String, OrtSession> clapSessions;
    private static ClapTextEncoder clapText;
    private static ClapRanker ranker;

    @BeforeAll
    static void load(AudioLdm2Pipeline shared) {
        pipeline = shared;
        ModelBundle bundle = ModelBundle.open(TinyBundle.DIR);
        SessionFactory factory = SessionFactory.create(RuntimeOptions.cpuDefaults());
        tokenizers = PromptTokenizers.load(bundle);
        clapSessions = factory.openAll(bundle, List.of(ClapTextEncoder.GRAPH, ClapAudioEncoder.GRAPH));
        clapText = new ClapTextEncoder(factory.environment(), clapSessions.get(ClapTextEncoder.GRAPH));
        ranker = new ClapRanker(new ClapAudioEncoder(factory.environment(), clapSessions.get(ClapAudioEncoder.GRAPH)),
                bundle.config());
    }

    @AfterAll
    static void close() {
        clapSessions.values().forEach(SessionFactory::closeQuietly);
        tokenizers.close();
    }

    static Stream<JsonNode> sets() throws IOException {
        List<JsonNode> list = new ArrayList<>();
        new ObjectMapper().readTree(FIXTURES.resolve("fixtures.json").toFile()).forEach(list::add);
        assertEquals(2, list.size(), "fixtures.json: the synthetic set and two_waveforms");
        return list.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sets")
    void featuresScoresAndOrderMatchPython(JsonNode set) {
        String name = set.get("name").asText();
        List<String> prompts = DiffusersParityTest.texts(set.get("prompts"));
        int perPrompt = set.get("waveforms_per_prompt").asInt();
        float[][] waveforms = rows(fixture(set, "waveforms"));
        for (JsonNode gap : set.get("min_score_gap_per_prompt")) {
            assertTrue(gap.asDouble() > 2 * SCORE_TOLERANCE, name + ": candidates too close to rank reliably");
        }

        FloatTensor features = ranker.features(waveforms);
        Npy.Array expectedFeatures = fixture(set, "features");
        DiffusersParityTest.assertShape(expectedFeatures, features.shape(), name + " features");
        double featureError = maxAbsError(expectedFeatures.floats(), features.data());

        FloatTensor textEmbeds = clapText.encode(tokenizers.clap(prompts));
        float[] scores = ranker.scores(textEmbeds, waveforms, perPrompt);
        float[] expectedScores = fixture(set, "scores").floats();
        double scoreError = maxAbsError(expectedScores, scores);

        ClapRanker.Ranking ranking = ranker.rank(textEmbeds, waveforms, perPrompt);
        int[] expectedOrder = Arrays.stream(fixture(set, "order").longs()).mapToInt(Math::toIntExact).toArray();
        System.out.printf(Locale.ROOT, "clap ranking %-14s features %.2e dB | scores %.2e (of %.3g) | order %s%n",
                name, featureError, scoreError, expectedScores[0], Arrays.toString(ranking.order()));
        assertTrue(featureError <= FEATURE_TOLERANCE_DB, name + " features max abs error " + featureError + " dB");
        assertTrue(scoreError <= SCORE_TOLERANCE, name + " scores max abs error " + scoreError);
        assertArrayEquals(expectedOrder, ranking.order(), name + " order");
        for (int i = 0; i < expectedOrder.length; i++) {
            assertSame(waveforms[expectedOrder[i]], ranking.waveforms()[i]);
            assertEquals(scores[expectedOrder[i]], ranking.scores()[i]);
        }
    }

    /** The whole pipeline ranks the two_waveforms case's candidates as the Python reference ranks them. */
    @Test
    void generationReturnsCandidatesBestFirstWithScores() throws IOException {
        JsonNode twoWaveforms = sets().filter(s -> s.get("name").asText().equals("two_waveforms")).findFirst()
                .orElseThrow();
        GenerationRequest request = new GenerationRequest(List.of(twoWaveforms.get("prompts").get(0).asText()), null,
                0.6, 5, 3.5, 7, "ddim", 0.0, 2);    // the two_waveforms reference case (scripts/reference_cases_tiny.json)
        CapturingSink sink = new CapturingSink();
        GenerationResult result = pipeline.generate(pipeline.plan(request), GenerationObserver.NONE, sink);
        assertNotNull(result.scores());
        long[] order = fixture(twoWaveforms, "order").longs();
        float[] expectedScores = fixture(twoWaveforms, "scores").floats();
        for (int i = 0; i < order.length; i++) {
            assertSame(sink.generatedWaveforms[(int) order[i]], result.waveforms()[i]);
            assertEquals(expectedScores[(int) order[i]], result.scores()[i], SCORE_TOLERANCE);
        }
        assertTrue(result.stageNanos().containsKey(Stage.RANKING));
        // diffusers' own score_waveforms (librosa resampler, one prompt so no cross-prompt mixing) chose this order
        long[] diffusers = Npy.read(TinyBundle.DIR.resolve("reference/two_waveforms/ranking_indices.npy")).longs();
        assertArrayEquals(diffusers, order);
    }

    /** Each prompt keeps its own candidates (diffusers #13602), best first. */
    @Test
    void candidatesAreRankedWithinTheirPrompt() {
        GenerationRequest request = new GenerationRequest(List.of("A dog barks", "Rain on a tin roof"), null,
                0.32, 2, 2.5, 5, "ddim", 0.0, 3);
        CapturingSink sink = new CapturingSink();
        GenerationResult result = pipeline.generate(pipeline.plan(request), GenerationObserver.NONE, sink);
        for (int p = 0; p < 2; p++) {
            List<float[]> own = Arrays.asList(sink.generatedWaveforms).subList(3 * p, 3 * p + 3);
            for (int k = 0; k < 3; k++) {
                float[] candidate = result.waveforms()[3 * p + k];
                assertTrue(own.stream().anyMatch(w -> w == candidate), "prompt " + p + " got another prompt's audio");
                if (k > 0) {
                    assertTrue(result.scores()[3 * p + k - 1] >= result.scores()[3 * p + k], "not best first");
                }
            }
        }
    }

    private static Npy.Array fixture(JsonNode set, String key) {
        return Npy.read(FIXTURES.resolve(set.get("files").get(key).asText()));
    }

    private static float[][] rows(Npy.Array array) {
        int rows = array.shape()[0];
        int length = array.shape()[1];
        float[] flat = array.floats();
        float[][] out = new float[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = Arrays.copyOfRange(flat, r * length, (r + 1) * length);
        }
        return out;
    }

    private static double maxAbsError(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs((double) expected[i] - actual[i]));
        }
        return worst;
    }
}
