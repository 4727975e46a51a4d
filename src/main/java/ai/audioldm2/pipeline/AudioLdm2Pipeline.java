package ai.audioldm2.pipeline;

import ai.audioldm2.onnx.RuntimeOptions;
import ai.audioldm2.bundle.ModelBundleException;
import ai.audioldm2.bundle.ModelConfig;
import ai.audioldm2.bundle.BundleManifest;
import ai.audioldm2.bundle.ModelBundle;
import ai.audioldm2.onnx.FloatTensor;
import ai.audioldm2.onnx.LongTensor;
import ai.audioldm2.onnx.SessionFactory;
import ai.audioldm2.onnx.Tensors;
import ai.audioldm2.random.TorchGenerator;
import ai.audioldm2.scheduler.Scheduler;
import ai.audioldm2.scheduler.SchedulerConfig;
import ai.audioldm2.scheduler.Schedulers;
import ai.audioldm2.text.PromptTokenizers;
import ai.audioldm2.text.TokenBatch;
import ai.audioldm2.pipeline.Denoiser.GuidanceWindow;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * AudioLDM2 text-to-audio on ONNX Runtime, step for step as diffusers' AudioLDM2Pipeline.__call__:
 * encodePrompt (CLAP + T5 + projection) → generateLanguageModel (GPT-2) → prepareLatents (torch-compatible noise
 * from the seed) → denoise (UNet + scheduler, classifier-free guidance) → decodeLatents (VAE) → vocode (HiFi-GAN)
 * → with several waveforms per prompt, CLAP ranking per prompt ({@link ClapRanker}).
 *
 * <p>Audio-to-audio (a request with input audio) replaces prepareLatents by {@link AudioToAudio} (VAE encoding of
 * the input, noised at the first of the last int(N * strength) timesteps; its class comment gives the generator's
 * draw order) and denoises from there. It needs the optional vae_encoder graph; ranking needs clap_audio. A bundle
 * without vae_encoder rejects audio-to-audio requests; one without clap_audio returns candidates unranked (scores
 * null), as diffusers does without librosa.
 *
 * <p>Fast mode (a request's {@link Mode#FAST}) runs the bundle's fast graphs in place of their exact twins (the
 * UNet, and the VAE decoder and vocoder where the manifest's {@code fast} block has them) and the block's guidance
 * interval ({@link Denoiser}); they are opened only with {@link RuntimeOptions#fastMode()}.
 *
 * <p>{@code generate} may run on several threads at once: ONNX Runtime sessions and the tokenizers are
 * thread-safe, and all per-run state (generator, scheduler, buffers) is local to the call. {@link #close} must come
 * after every generate call has returned.
 */
public final class AudioLdm2Pipeline implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(AudioLdm2Pipeline.class.getName());
    /** How a bundle gets fast graphs, named in the warning and the 422 of a fast request without them. */
    static final String FAST_EXPORT = "scripts/export_onnx.py ... --fast";

    /** Graphs opened when the manifest declares them: audio-to-audio and CLAP ranking. */
    private static final List<String> OPTIONAL_GRAPHS = List.of(VaeEncoder.GRAPH, ClapAudioEncoder.GRAPH);

    private final ModelConfig config;
    private final SchedulerConfig schedulerConfig;
    private final PromptTokenizers tokenizers;
    private final Map<String, OrtSession> sessions;
    private final ClapTextEncoder clap;
    private final T5Encoder t5;
    private final ProjectionModel projection;
    private final LanguageModel languageModel;
    /** The graphs of each mode this pipeline runs: EXACT always, FAST when its graphs were opened. */
    private final Map<Mode, ModeGraphs> modes;
    /** Whether the bundle has a fast block, opened or not: which of fast mode's 422s a request gets. */
    private final boolean bundleHasFast;
    private final AudioToAudio audioToAudio;
    private final ClapRanker ranker;
    private final ModelInfo info;
    private final RequestMemory memory;

    private AudioLdm2Pipeline(ModelBundle bundle, SchedulerConfig schedulerConfig, SessionFactory factory,
                              PromptTokenizers tokenizers, Map<String, OrtSession> sessions, RuntimeOptions options) {
        this.config = bundle.config();
        boolean fast = fastOpened(bundle, options);
        this.memory = RequestMemory.of(bundle.manifest(), options.maxRequestMemory(), fast);
        this.schedulerConfig = schedulerConfig;
        this.tokenizers = tokenizers;
        this.sessions = sessions;
        OrtEnvironment env = factory.environment();
        this.clap = new ClapTextEncoder(env, sessions.get(ClapTextEncoder.GRAPH));
        this.t5 = new T5Encoder(env, sessions.get(T5Encoder.GRAPH));
        this.projection = new ProjectionModel(env, sessions.get(ProjectionModel.GRAPH));
        this.languageModel = new LanguageModel(env, sessions.get(LanguageModel.GRAPH), config.gpt2(),
                config.maxNewTokens());
        this.modes = new EnumMap<>(Mode.class);
        modes.put(Mode.EXACT, ModeGraphs.open(env, config, sessions, graph -> graph, GuidanceWindow.EVERY_STEP));
        this.bundleHasFast = bundle.hasFast();
        if (fast) {
            List<Long> window = bundle.manifest().fast().guidanceTimesteps();
            List<String> swapped = bundle.fastGraphs();
            modes.put(Mode.FAST, ModeGraphs.open(env, config, sessions,
                    graph -> swapped.contains(graph) ? ModelBundle.fastName(graph) : graph,
                    window == null ? GuidanceWindow.EVERY_STEP : new GuidanceWindow(window.get(0), window.get(1))));
        }
        this.audioToAudio = sessions.containsKey(VaeEncoder.GRAPH)
                ? new AudioToAudio(new VaeEncoder(env, sessions.get(VaeEncoder.GRAPH)), config) : null;
        this.ranker = sessions.containsKey(ClapAudioEncoder.GRAPH)
                ? new ClapRanker(new ClapAudioEncoder(env, sessions.get(ClapAudioEncoder.GRAPH)), config) : null;
        BundleManifest manifest = bundle.manifest();
        this.info = new ModelInfo(manifest.name(), manifest.source().id(), manifest.precision(), config.samplingRate(),
                config.minDurationSeconds(), Schedulers.names(), factory.provider().configName(),
                modes.keySet().stream().map(Mode::wireName).toList());
    }

    /** The denoiser, VAE decoder and vocoder one mode runs. */
    private record ModeGraphs(Denoiser denoiser, VaeDecoder vae, Vocoder vocoder) {
        static ModeGraphs open(OrtEnvironment env, ModelConfig config, Map<String, OrtSession> sessions,
                               UnaryOperator<String> session, GuidanceWindow window) {
            return new ModeGraphs(new Denoiser(env, sessions.get(session.apply(Denoiser.GRAPH)), window),
                    new VaeDecoder(env, sessions.get(session.apply(VaeDecoder.GRAPH)), config.vaeScalingFactor()),
                    new Vocoder(env, sessions.get(session.apply(Vocoder.GRAPH))));
        }
    }

    /** Fast graphs are opened when asked for and the bundle has them ({@link #load} warns when it has not). */
    private static boolean fastOpened(ModelBundle bundle, RuntimeOptions options) {
        return options.fastMode() && bundle.hasFast();
    }

    /**
     * Verifies the bundle and opens its sessions. Throws {@link ModelBundleException} (or its subclass
     * ExecutionProviderException) with a message naming the problem.
     */
    public static AudioLdm2Pipeline load(Path bundleDir, RuntimeOptions options) {
        ModelBundle bundle = ModelBundle.open(bundleDir);
        SchedulerConfig schedulerConfig = readSchedulerConfig(bundle);
        SessionFactory factory = SessionFactory.create(options);
        Map<String, OrtSession> sessions = Map.of();
        PromptTokenizers tokenizers = null;
        try {
            tokenizers = PromptTokenizers.load(bundle);
            List<String> graphs = Stream.of(ModelBundle.GENERATION_GRAPHS.stream(),
                    OPTIONAL_GRAPHS.stream().filter(bundle.manifest().graphs()::containsKey),
                    fastOpened(bundle, options) ? bundle.fastGraphs().stream().map(ModelBundle::fastName)
                            : Stream.<String>empty()).flatMap(s -> s).toList();
            if (options.fastMode() && !bundle.hasFast()) {
                LOG.warning("\n*** fast mode is enabled but model bundle " + bundle.manifest().name() + " has no fast "
                        + "graphs: serving exact mode only. Export them with " + FAST_EXPORT + " ***");
            }
            sessions = factory.openAll(bundle, graphs);
            return new AudioLdm2Pipeline(bundle, schedulerConfig, factory, tokenizers, sessions, options);
        } catch (RuntimeException e) {
            closeAll(sessions, tokenizers);
            throw e;
        }
    }

    public ModelInfo info() {
        return info;
    }

    /** The per-request memory estimate and budget that {@link #plan} holds requests to. */
    public RequestMemory memory() {
        return memory;
    }

    /**
     * Checks a request against this bundle and derives what {@link #generate(GenerationPlan, GenerationObserver)}
     * runs. Plan before queueing: a request that cannot run is refused at once, and is not planned again.
     *
     * @throws InvalidGenerationRequestException naming the field at fault and its allowed range
     */
    public GenerationPlan plan(GenerationRequest request) {
        if (!modes.containsKey(request.mode())) {
            throw new InvalidGenerationRequestException("mode", bundleHasFast
                    ? "fast mode is not enabled on this service: add fast to audioldm2.runtime.modes "
                    + "(AUDIOLDM2_RUNTIME_MODES=exact,fast) to load model bundle " + info.name() + "'s fast graphs"
                    : "fast mode needs fast graphs, which model bundle " + info.name() + " does not have: export "
                    + "them with " + FAST_EXPORT);
        }
        GenerationPlan plan = GenerationPlan.of(request, memory, info.schedulers(), this::scheduler);
        if (plan.inputAudio() != null && audioToAudio == null) {
            throw new InvalidGenerationRequestException("audio_input", "audio-to-audio needs the vae_encoder graph, "
                    + "which model bundle " + info.name() + " does not have");
        }
        return plan;
    }

    /** Plans and runs {@code request} at once, for callers that run what they build (the bench, tests). */
    public GenerationResult generate(GenerationRequest request, GenerationObserver observer) {
        return generate(plan(request), observer);
    }

    public GenerationResult generate(GenerationPlan plan, GenerationObserver observer) {
        return generate(plan, observer, IntermediatesSink.NONE);
    }

    /** As {@link #generate(GenerationPlan, GenerationObserver)}, handing intermediates to {@code sink}. */
    public GenerationResult generate(GenerationPlan plan, GenerationObserver observer, IntermediatesSink sink) {
        long seed = plan.request().seed();
        ModeGraphs graphs = modes.get(plan.request().mode());
        StageRunner stages = new StageRunner(observer);
        TextConditioning text = conditionOnText(plan, stages, sink);
        Conditioning conditioning = text.conditioning();
        sink.t5(conditioning.t5Embeds().data(), conditioning.t5Embeds().shape(),
                conditioning.t5Mask().data(), conditioning.t5Mask().shape());
        sink.generatedEmbeds(conditioning.generatedEmbeds().data(), conditioning.generatedEmbeds().shape());

        // one generator per request: all noise (initial or posterior + add_noise, then the scheduler's) comes from
        // the same stream, as in diffusers
        TorchGenerator generator = new TorchGenerator(seed);
        float[] start = plan.inputAudio() == null ? null
                : stages.run(Stage.AUDIO_ENCODING, () -> audioToAudio.startLatents(plan, generator, sink));
        float[] latents = stages.run(Stage.DENOISING, () -> {
            float[] initial = start != null ? start : prepareLatents(plan, generator);
            sink.initialLatents(initial, plan.latentShape());
            graphs.denoiser().denoise(initial, plan.latentShape(), conditioning, plan.guidanceScale(), plan.scheduler(),
                    plan.firstStep(), generator, observer);
            return initial;
        });
        sink.finalLatents(latents, plan.latentShape());
        FloatTensor mel = stages.run(Stage.VAE_DECODE, () -> graphs.vae().decode(latents, plan.latentShape()));
        sink.mel(mel.data(), mel.shape());
        float[][] waveforms = stages.run(Stage.VOCODER, () -> graphs.vocoder().vocode(mel, plan.waveformSamples()));
        sink.generatedWaveforms(waveforms);
        if (plan.waveformsPerPrompt() == 1 || ranker == null) {
            return new GenerationResult(waveforms, null, config.samplingRate(), seed, stages.nanos());
        }
        ClapRanker.Ranking ranking = stages.run(Stage.RANKING, () -> ranker.rank(
                positiveRows(text.clapEmbeds(), plan), waveforms, plan.waveformsPerPrompt()));
        return new GenerationResult(ranking.waveforms(), ranking.scores(), config.samplingRate(), seed,
                stages.nanos());
    }

    /** The prompts' CLAP text embeddings: the last B rows (under guidance the first B are the negatives). */
    private static FloatTensor positiveRows(FloatTensor clapEmbeds, GenerationPlan plan) {
        return clapEmbeds.lastRows(plan.prompts().size());
    }

    /**
     * Runs the plans of several single-prompt text-to-audio requests of one {@link BatchShape} through the same
     * UNet, VAE and vocoder calls ({@link BatchedGeneration}); results in request order. Each planned request fits
     * the memory budget alone; the plans run in as few consecutive runs as keep every run within it.
     *
     * @throws InvalidGenerationRequestException for a plan that does not share the first plan's shape
     */
    public List<GenerationResult> generateBatch(List<GenerationPlan> plans, GenerationObserver observer) {
        GenerationPlan first = plans.get(0);
        ModeGraphs graphs = modes.get(first.request().mode());
        BatchedGeneration batched = new BatchedGeneration(config, graphs.denoiser(), graphs.vae(), graphs.vocoder(),
                (plan, stages, sink) -> conditionOnText(plan, stages, sink).conditioning());
        int runSize = memory.rowsThatFit(first.guided(), first.melFrames(config), plans.size());
        List<GenerationResult> results = new ArrayList<>(plans.size());
        for (int from = 0; from < plans.size(); from += runSize) {
            results.addAll(batched.run(plans.subList(from, Math.min(plans.size(), from + runSize)), observer));
        }
        return results;
    }

    /** The CLAP text embeddings (for ranking) and what the UNet is conditioned on. */
    private record TextConditioning(FloatTensor clapEmbeds, Conditioning conditioning) {
    }

    /** Text encoding and GPT-2: the UNet's conditioning, rows repeated for the waveforms per prompt. */
    private TextConditioning conditionOnText(GenerationPlan plan, StageRunner stages, IntermediatesSink sink) {
        EncodedPrompt prompt = stages.run(Stage.TEXT_ENCODING, () -> encodePrompt(plan, sink));
        FloatTensor generated = stages.run(Stage.LANGUAGE_MODEL, () -> languageModel.generate(
                prompt.projected().hiddenStates(), prompt.projected().attentionMask()));
        return new TextConditioning(prompt.clapEmbeds(), new Conditioning(
                generated.repeatRows(plan.waveformsPerPrompt()),
                prompt.t5Embeds().repeatRows(plan.waveformsPerPrompt()),
                prompt.t5Mask().repeatRows(plan.waveformsPerPrompt()), plan.guided()));
    }

    /** CLAP and T5 text states, and their projection into GPT-2's input sequence. */
    private record EncodedPrompt(FloatTensor clapEmbeds, FloatTensor t5Embeds, LongTensor t5Mask,
                                 ProjectionModel.Projected projected) {
    }

    /**
     * diffusers' encode_prompt with the negative and positive prompts in one batch, rows [negative, positive]: CLAP
     * pads both to clap_max_length, and the negative T5 tokens are padded and truncated to the positive length.
     */
    private EncodedPrompt encodePrompt(GenerationPlan plan, IntermediatesSink sink) {
        List<String> texts = plan.guided()
                ? Stream.concat(plan.negativePrompts().stream(), plan.prompts().stream()).toList()
                : plan.prompts();
        TokenBatch t5Tokens = tokenizers.t5(texts, tokenizers.t5(plan.prompts()).length());
        TokenBatch clapTokens = tokenizers.clap(texts);
        sink.tokens(clapTokens, t5Tokens);
        FloatTensor clapEmbeds = clap.encode(clapTokens);
        FloatTensor t5Embeds = t5.encode(t5Tokens);
        ProjectionModel.Projected projected = projection.project(clapEmbeds, t5Embeds, t5Tokens.mask());
        return new EncodedPrompt(clapEmbeds, t5Embeds, t5Tokens.mask(), projected);
    }

    /** torch.randn(shape, generator) in one call for the whole batch, times init_noise_sigma (in float32). */
    static float[] prepareLatents(GenerationPlan plan, TorchGenerator generator) {
        float[] latents = new float[Math.toIntExact(Tensors.elementCount(plan.latentShape()))];
        generator.fillNormal(latents);
        float sigma = plan.scheduler().initNoiseSigma();
        for (int i = 0; i < latents.length; i++) {
            latents[i] *= sigma;
        }
        return latents;
    }

    private Scheduler scheduler(String name, int steps, double eta) {
        return Schedulers.create(name, schedulerConfig, steps, eta);
    }

    private static SchedulerConfig readSchedulerConfig(ModelBundle bundle) {
        Path file = bundle.requiredFile(ModelBundle.SCHEDULER_CONFIG);
        try {
            return SchedulerConfig.fromMap(new ObjectMapper().readValue(file.toFile(),
                    new TypeReference<Map<String, Object>>() { }));
        } catch (IOException | RuntimeException e) {
            throw new ModelBundleException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closeAll(sessions, tokenizers);
    }

    private static void closeAll(Map<String, OrtSession> sessions, PromptTokenizers tokenizers) {
        sessions.values().forEach(SessionFactory::closeQuietly);
        if (tokenizers != null) {
            tokenizers.close();
        }
    }
}
