package ai.audioldm2.api;

import ai.audioldm2.config.ServiceConfig;
import ai.audioldm2.jobs.JobCodec;
import ai.audioldm2.jobs.TracedResult;
import ai.audioldm2.random.Seeds;
import ai.audioldm2.scheduler.Schedulers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletionException;

/**
 * A job's request and answers in /predict's formats. The stored request is the validated request written out
 * in full (every default filled in, the seed chosen), and the audio input as the client sent it: read back with
 * the same parser, it is the same request, whatever defaults are configured when it runs.
 */
@ApplicationScoped
public class JobRequests implements JobCodec {

    private static final String AUDIO_INPUT = "audio_input_b64";

    @Inject
    ObjectMapper mapper;

    @Inject
    ServiceConfig config;

    @Inject
    AudioAnswers answers;

    private PredictRequestParser parser;

    /** A validated request with its seed chosen, and how the store keeps it. */
    record Submitted(PredictRequest request, String stored, String view) {
    }

    @PostConstruct
    void init() {
        parser = new PredictRequestParser(mapper, config.limits(), config.defaults(), config.request());
    }

    /** Parses and validates a POST /jobs body exactly as /predict does, and chooses the seed. */
    Submitted submitted(byte[] body, String clientJobIdQuery) {
        PredictRequest parsed = parser.parse(body, clientJobIdQuery, Schedulers.names());
        PredictRequest request = parsed.withSeed(Seeds.orRandom(parsed.seed()));
        ObjectNode view = mapper.createObjectNode();
        view.put("prompt", request.prompt());
        view.put("negative_prompt", request.negativePrompt());
        view.put("duration", request.duration());
        view.put("guidance_scale", request.guidanceScale());
        view.put("num_inference_steps", request.numInferenceSteps());
        view.put("seed", request.seed());
        view.put("scheduler", request.scheduler());
        if (request.strength() != null) {
            view.put("strength", request.strength());
        }
        view.put("num_waveforms_per_prompt", request.numWaveformsPerPrompt());
        view.put("mode", request.mode());
        if (request.clientJobId() != null) {
            view.put("client_job_id", request.clientJobId());
        }
        ObjectNode stored = view.deepCopy();
        if (request.audioInput() != null) {
            stored.set(AUDIO_INPUT, tree(body).get(AUDIO_INPUT));
        }
        return new Submitted(request, stored.toString(), view.toString());
    }

    @Override
    public Work read(String storedRequest) {
        PredictRequest request = parse(storedRequest);
        return new Work(request.toGeneration(), request.clientJobId());
    }

    @Override
    public String result(String id, String storedRequest, TracedResult generated) {
        ObjectNode answer = mapper.valueToTree(answers.json(parse(storedRequest), generated));
        String audio = config.api().fieldNames().of("audio_b64");     // audio_base64 under the fleet's names
        answer.remove(audio);
        answer.put("audio_url", "/jobs/" + id + "/audio");
        JsonNode candidates = answer.get("candidates");
        for (int k = 0; candidates != null && k < candidates.size(); k++) {
            ObjectNode candidate = (ObjectNode) candidates.get(k);
            candidate.remove(audio);
            candidate.put("audio_url", "/jobs/" + id + "/audio?candidate=" + k);
        }
        return answer.toString();
    }

    @Override
    public List<byte[]> audio(TracedResult generated) {
        return answers.wavs(generated);
    }

    @Override
    public Failure failure(Throwable failure, String traceId) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof RuntimeException e) {
            var error = ItemError.of(e, List.of("body"));
            if (error.isPresent()) {
                return new Failure(error.get().statusCode(), error.get().detail());
            }
        }
        return new Failure(500, "internal error (trace id " + traceId + ")");
    }

    private PredictRequest parse(String storedRequest) {
        return parser.parse(storedRequest.getBytes(StandardCharsets.UTF_8), null, Schedulers.names());
    }

    private JsonNode tree(byte[] body) {
        try {
            return mapper.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException("a body that parsed once no longer parses", e);
        }
    }
}
