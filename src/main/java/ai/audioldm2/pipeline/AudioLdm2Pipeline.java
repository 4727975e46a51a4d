package ai.audioldm2.pipeline;

import ai.audioldm2.onnx.BundleManifest;
import ai.audioldm2.onnx.FloatTensor;
import ai.audioldm2.onnx.LongTensor;
import ai.audioldm2.onnx.ModelBundle;
import ai.audioldm2.onnx.ModelBundleException;
import ai.audioldm2.onnx.ModelConfig;
import ai.audioldm2.onnx.SessionFactory;
import ai.audioldm2.onnx.Tensors;
import ai.audioldm2.random.TorchGenerator;
import ai.audioldm2.scheduler.Scheduler;
import ai.audioldm2.scheduler.SchedulerConfig;
import ai.audioldm2.scheduler.Schedulers;
import ai.audioldm2.text.PromptTokenizers;
import ai.audioldm2.text.TokenBatch;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * AudioLDM2 text-to-audio on ONNX Runtime, step for step as diffusers' AudioLDM2Pipeline.__call__:
 * encodePrompt (CLAP + T5 + projection) → generateLanguageModel (GPT-2) → prepareLatents (torch-compatible noise
 * from the seed) → denoise (UNet + scheduler, classifier-free guidance) → decodeLatents (VAE) → vocode (HiFi-GAN).
 *
 * <p>{@link #generate} may run on several threads at once: ONNX Runtime sessions and the tokenizers are
 * thread-safe, and all per-run state (generator, scheduler, buffers) is local to the call. {@link #close} must come
 * after every generate call has returned.
 */
public final class AudioLdm2Pipeline implements AutoCloseable {

    private final ModelConfig config;
    private final SchedulerConfig schedulerConfig;
    private final PromptTokenizers tokenizers;
    private final Map<String, OrtSession> sessions;
    private final ClapTextEncoder clap;
    private final T5Encoder t5;
    private final ProjectionModel projection;
    private final LanguageModel languageModel;
    private final Denoiser denoiser;
    private final VaeDecoder vae;
    private final Vocoder vocoder;
    private final ModelInfo info;

    private AudioLdm2Pipeline(ModelBundle bundle, SchedulerConfig schedulerConfig, SessionFactory factory,
                              PromptTokenizers tokenizers, Map<String, OrtSession> sessions) {
        this.config = bundle.config();
        this.schedulerConfig = schedulerConfig;
        this.tokenizers = tokenizers;
        this.sessions = sessions;
        OrtEnvironment env = factory.environment();
        this.clap = new ClapTextEncoder(env, sessions.get(ClapTextEncoder.GRAPH));
        this.t5 = new T5Encoder(env, sessions.get(T5Encoder.GRAPH));
        this.projection = new ProjectionModel(env, sessions.get(ProjectionModel.GRAPH));
        this.languageModel = new LanguageModel(env, sessions.get(LanguageModel.GRAPH), config.gpt2(),
                config.maxNewTokens());
        this.denoiser = new Denoiser(env, sessions.get(Denoiser.GRAPH));
        this.vae = new VaeDecoder(env, sessions.get(VaeDecoder.GRAPH), config.vaeScalingFactor());
        this.vocoder = new Vocoder(env, sessions.get(Vocoder.GRAPH));
        BundleManifest manifest = bundle.manifest();
        this.info = new ModelInfo(manifest.name(), manifest.source().id(), manifest.precision(), config.samplingRate(),
                config.minDurationSeconds(), Schedulers.names(), factory.provider().configName());
    }

    /**
     * Verifies the bundle and opens its sessions. Throws {@link ModelBundleException} (or its subclass
     * ExecutionProviderException) with a message naming the problem.
     */
    public static AudioLdm2Pipeline load(Path bundleDir, RuntimeOptions options) {
        ModelBundle bundle = ModelBundle.open(bundleDir);
        SchedulerConfig schedulerConfig = readSchedulerConfig(bundle);
        SessionFactory factory = SessionFactory.create(options);
        Map<String, OrtSession> sessions = new LinkedHashMap<>();
        PromptTokenizers tokenizers = null;
        try {
            tokenizers = PromptTokenizers.load(bundle);
            for (String graph : ModelBundle.GENERATION_GRAPHS) {
                sessions.put(graph, factory.open(bundle, graph));
            }
            return new AudioLdm2Pipeline(bundle, schedulerConfig, factory, tokenizers, sessions);
        } catch (RuntimeException e) {
            closeAll(sessions, tokenizers);
            throw e;
        }
    }

    public ModelInfo info() {
        return info;
    }

    /**
     * Checks a request without running it (e.g. before queueing it); {@link #generate} runs the same checks.
     *
     * @throws InvalidGenerationRequestException naming the field at fault and its allowed range
     */
    public void validate(GenerationRequest request) {
        plan(request);
    }

    private GenerationPlan plan(GenerationRequest request) {
        return GenerationPlan.of(request, config, info.schedulers(), this::scheduler);
    }

    public GenerationResult generate(GenerationRequest request, GenerationObserver observer) {
        return generate(request, observer, IntermediatesSink.NONE);
    }

    /** As {@link #generate(GenerationRequest, GenerationObserver)}, handing intermediates to {@code sink}. */
    public GenerationResult generate(GenerationRequest request, GenerationObserver observer, IntermediatesSink sink) {
        GenerationPlan plan = plan(request);
        StageTimer stages = new StageTimer(observer);
        Conditioning conditioning = conditionOnText(plan, stages, sink);
        sink.t5(conditioning.t5Embeds().data(), conditioning.t5Embeds().shape(),
                conditioning.t5Mask().data(), conditioning.t5Mask().shape());
        sink.generatedEmbeds(conditioning.generatedEmbeds().data(), conditioning.generatedEmbeds().shape());

        // one generator per request: the initial noise and DDIM's eta noise come from the same stream, as in diffusers
        TorchGenerator generator = new TorchGenerator(request.seed());
        float[] latents = stages.run(Stage.DENOISING, () -> {
            float[] initial = prepareLatents(plan, generator);
            sink.initialLatents(initial, plan.latentShape());
            denoiser.denoise(initial, plan.latentShape(), conditioning, plan.guidanceScale(), plan.scheduler(),
                    generator, observer);
            return initial;
        });
        sink.finalLatents(latents, plan.latentShape());
        FloatTensor mel = stages.run(Stage.VAE_DECODE, () -> vae.decode(latents, plan.latentShape()));
        sink.mel(mel.data(), mel.shape());
        float[][] waveforms = stages.run(Stage.VOCODER, () -> vocoder.vocode(mel, plan.waveformSamples()));
        return new GenerationResult(waveforms, null, config.samplingRate(), request.seed(), stages.nanos());
    }

    /**
     * Runs several single-prompt text-to-audio requests of one {@link BatchShape} through the same UNet, VAE and
     * vocoder calls ({@link BatchedGeneration}); results in request order.
     *
     * @throws InvalidGenerationRequestException for a request this pipeline refuses or that does not share the
     *                                           first request's shape
     */
    public List<GenerationResult> generateBatch(List<GenerationRequest> requests, GenerationObserver observer) {
        List<GenerationPlan> plans = requests.stream().map(this::plan).toList();
        return new BatchedGeneration(config, denoiser, vae, vocoder, this::conditionOnText)
                .run(requests, plans, observer);
    }

    /** Text encoding and GPT-2: what the UNet is conditioned on, rows repeated for the waveforms per prompt. */
    private Conditioning conditionOnText(GenerationPlan plan, StageTimer stages, IntermediatesSink sink) {
        EncodedPrompt prompt = stages.run(Stage.TEXT_ENCODING, () -> encodePrompt(plan, sink));
        FloatTensor generated = stages.run(Stage.LANGUAGE_MODEL, () -> languageModel.generate(
                prompt.projected().hiddenStates(), prompt.projected().attentionMask()));
        return new Conditioning(generated.repeatRows(plan.waveformsPerPrompt()),
                prompt.t5Embeds().repeatRows(plan.waveformsPerPrompt()),
                prompt.t5Mask().repeatRows(plan.waveformsPerPrompt()), plan.guided());
    }

    /** CLAP and T5 text states, and their projection into GPT-2's input sequence. */
    private record EncodedPrompt(FloatTensor t5Embeds, LongTensor t5Mask, ProjectionModel.Projected projected) {
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
        return new EncodedPrompt(t5Embeds, t5Tokens.mask(), projected);
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
