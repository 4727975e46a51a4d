package ai.audioldm2.api;

import ai.audioldm2.audio.AudioDecodeException;
import ai.audioldm2.audio.AudioDecoder;
import ai.audioldm2.audio.DecodeLimits;
import ai.audioldm2.audio.DecodedAudio;
import ai.audioldm2.config.ServiceConfig;
import ai.audioldm2.pipeline.GenerationRequest;
import ai.audioldm2.pipeline.Mode;
import ai.audioldm2.text.PromptText;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a /predict body the way FastAPI + pydantic would: malformed JSON is a 400, and every schema problem is
 * collected into one 422 with pydantic's locations, messages and types, instead of stopping at the first.
 * Numbers must be JSON numbers (no "10" strings); an integer field accepts 10.0 but not 10.5, as pydantic does.
 */
public final class PredictRequestParser {

    static final String CLIENT_JOB_ID_PATTERN = "^[A-Za-z0-9._:-]{1,256}$";
    private static final Pattern CLIENT_JOB_ID = Pattern.compile(CLIENT_JOB_ID_PATTERN);
    private static final Set<String> FIELDS = Set.of("prompt", "negative_prompt", "duration", "guidance_scale",
            "num_inference_steps", "seed", "scheduler", "audio_input_b64", "strength", "num_waveforms_per_prompt",
            "client_job_id", "mode");
    private static final String BATCH_FIELD = "requests";

    private final ObjectReader reader;
    private final ServiceConfig.Limits limits;
    private final ServiceConfig.Defaults defaults;
    private final String defaultMode;
    private final DecodeLimits audioLimits;

    /** @throws IllegalArgumentException when {@code request}'s default mode is no mode */
    public PredictRequestParser(ObjectMapper mapper, ServiceConfig.Limits limits, ServiceConfig.Defaults defaults,
                                ServiceConfig.Request request) {
        this.reader = mapper.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.limits = limits;
        this.defaults = defaults;
        this.defaultMode = Mode.parse(request.mode()).map(Mode::wireName)
                .orElseThrow(() -> new IllegalArgumentException("audioldm2.request.mode must be one of "
                        + Mode.wireNames() + ", got '" + request.mode() + "'"));
        this.audioLimits = DecodeLimits.DEFAULT.withMaxDurationSeconds(limits.maxInputDuration())
                .withMaxBytes(limits.maxInputBytes().asLongValue());
    }

    /**
     * The JSON of a request body, for {@link #parseItem} at {@code ["body"]}.
     *
     * @throws MalformedRequestException  for a body that is not JSON
     * @throws RequestValidationException for an empty body
     */
    public JsonNode read(byte[] body) {
        return readBody(body);
    }

    /**
     * A whole /predict body: {@link #read} then {@link #parseItem} at {@code ["body"]}.
     *
     * @param clientJobIdQuery the {@code client_job_id} query parameter, or null
     * @param schedulers       the scheduler names to accept, or null to skip that check
     * @throws MalformedRequestException  for a body that is not JSON, or base64 that does not decode
     * @throws AudioDecodeException       for audio input that cannot be used (TOO_LARGE: 413, else 400)
     * @throws RequestValidationException for everything the schema forbids
     */
    public PredictRequest parse(byte[] body, String clientJobIdQuery, List<String> schedulers) {
        return parseItem(read(body), List.of("body"), clientJobIdQuery, schedulers);
    }

    /**
     * The items of a /predict/batch body {@code {"requests": [request, ...]}}, each to be read with
     * {@link #parseItem}. Only the body as a whole is checked here: an object whose only field is a list of 1 to
     * {@code maxItems} entries.
     *
     * @throws MalformedRequestException  for a body that is not JSON
     * @throws RequestValidationException for any other shape
     */
    public List<JsonNode> batchItems(byte[] body, int maxItems) {
        JsonNode root = readBody(body);
        List<Object> at = List.of("body", BATCH_FIELD);
        List<ValidationError> errors = new ArrayList<>();
        if (!root.isObject()) {
            errors.add(notAnObject(List.of("body"), root));
        } else {
            root.fieldNames().forEachRemaining(name -> {
                if (!name.equals(BATCH_FIELD)) {
                    errors.add(ValidationError.body(name, "Extra inputs are not permitted", "extra_forbidden",
                            root.get(name)));
                }
            });
            JsonNode list = root.get(BATCH_FIELD);
            if (list == null) {
                errors.add(new ValidationError(at, "Field required", "missing", root, null));
            } else if (!list.isArray()) {
                errors.add(new ValidationError(at, "Input should be a valid list", "list_type", list, null));
            } else if (list.isEmpty()) {
                errors.add(new ValidationError(at, "List should have at least 1 item after validation, not 0",
                        "too_short", list, Map.of("field_type", "List", "min_length", 1, "actual_length", 0)));
            } else if (list.size() > maxItems) {
                errors.add(new ValidationError(at, "List should have at most " + maxItems
                        + " items after validation, not " + list.size(), "too_long", list,
                        Map.of("field_type", "List", "max_length", maxItems, "actual_length", list.size())));
            }
        }
        if (!errors.isEmpty()) {
            throw new RequestValidationException(errors);
        }
        List<JsonNode> items = new ArrayList<>();
        root.get(BATCH_FIELD).forEach(items::add);
        return items;
    }

    /**
     * One request object found at {@code location} (["body"] for /predict, ["body", "requests", i] in a batch);
     * error locations start there.
     */
    public PredictRequest parseItem(JsonNode root, List<Object> location, String clientJobIdQuery,
                                    List<String> schedulers) {
        if (!root.isObject()) {
            throw new RequestValidationException(List.of(notAnObject(location, root)));
        }
        Fields fields = new Fields(root, location);
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                fields.error(name, "Extra inputs are not permitted", "extra_forbidden", root.get(name), null);
            }
        }
        String prompt = fields.prompt();
        String negativePrompt = fields.has("negative_prompt")
                ? fields.optionalText("negative_prompt", PromptText.MAX_CODE_POINTS)
                : defaults.negativePrompt().orElse(null);
        DecodedAudio audioInput = fields.audioInput();
        // audio-to-audio: the input's length by default, brought within the limits (the input is padded or trimmed)
        double defaultDuration = audioInput == null ? defaults.duration()
                : Math.min(Math.max(audioInput.durationSeconds(), limits.minDuration()), limits.maxDuration());
        double duration = fields.number("duration", defaultDuration, limits.minDuration(), limits.maxDuration());
        Double strength = fields.strength(audioInput != null);
        double guidanceScale = fields.number("guidance_scale", defaults.guidanceScale(),
                limits.minGuidanceScale(), limits.maxGuidanceScale());
        int steps = (int) fields.integer("num_inference_steps", defaults.numInferenceSteps(),
                limits.minSteps(), limits.maxSteps());
        int waveforms = (int) fields.integer("num_waveforms_per_prompt", 1, 1, limits.maxWaveformsPerPrompt());
        Long seed = fields.seed();
        String scheduler = fields.scheduler(schedulers);
        String clientJobId = fields.clientJobId(clientJobIdQuery);
        String mode = fields.mode();
        if (!fields.errors.isEmpty()) {
            throw new RequestValidationException(fields.errors);
        }
        return new PredictRequest(prompt, negativePrompt, duration, guidanceScale, steps, seed, scheduler,
                audioInput, strength, waveforms, clientJobId, mode);
    }

    private JsonNode readBody(byte[] body) {
        if (body == null || body.length == 0) {
            throw new RequestValidationException(List.of(new ValidationError(List.of("body"), "Field required", "missing",
                    null, null)));
        }
        return readJson(body);
    }

    private static ValidationError notAnObject(List<Object> location, JsonNode input) {
        return new ValidationError(location, "Input should be a valid dictionary or object to extract fields from",
                "model_attributes_type", input, null);
    }

    private JsonNode readJson(byte[] body) {
        try {
            return reader.readTree(body);
        } catch (JsonProcessingException e) {
            throw new MalformedRequestException("malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new MalformedRequestException("unreadable request body: " + e.getMessage());
        }
    }

    /** The fields of one body and the problems found so far. */
    private final class Fields {
        final JsonNode root;
        final List<Object> location;
        final List<ValidationError> errors = new ArrayList<>();

        Fields(JsonNode root, List<Object> location) {
            this.root = root;
            this.location = location;
        }

        /** An error at {@code field}: pydantic's message and type, the offending input and the limit (or null). */
        void error(String field, String msg, String type, Object input, Map<String, Object> ctx) {
            errors.add(new ValidationError(at(field), msg, type, input, ctx));
        }

        private List<Object> at(String field) {
            List<Object> loc = new ArrayList<>(location);
            loc.add(field);
            return List.copyOf(loc);
        }

        boolean has(String name) {
            return root.has(name);
        }

        String prompt() {
            JsonNode node = root.get("prompt");
            if (node == null) {
                error("prompt", "Field required", "missing", root, null);
                return null;
            }
            String text = text("prompt", node, PromptText.MAX_CODE_POINTS);
            if (text != null && text.isBlank()) {
                if (text.isEmpty()) {
                    error("prompt", "String should have at least 1 character", "string_too_short", text,
                            Map.of("min_length", 1));
                } else {
                    error("prompt", "Value error, prompt must not be blank", "value_error", text, null);
                }
                return null;
            }
            return text;
        }

        String optionalText(String name, int maxChars) {
            JsonNode node = root.get(name);
            return node == null || node.isNull() ? null : text(name, node, maxChars);
        }

        private String text(String name, JsonNode node, int maxChars) {
            if (!node.isTextual()) {
                error(name, "Input should be a valid string", "string_type", node, null);
                return null;
            }
            String text = node.textValue();
            if (text.codePointCount(0, text.length()) > maxChars) {
                error(name, "String should have at most " + maxChars + " characters", "string_too_long", text,
                        Map.of("max_length", maxChars));
                return null;
            }
            return text;
        }

        double number(String name, double fallback, double min, double max) {
            JsonNode node = root.get(name);
            if (node == null) {
                return fallback;
            }
            if (!node.isNumber()) {
                if (node.isTextual() && !isNumber(node.textValue())) {
                    error(name, "Input should be a valid number, unable to parse string as a number",
                            "float_parsing", node, null);
                } else {
                    error(name, "Input should be a valid number", "float_type", node, null);
                }
                return fallback;
            }
            double value = node.doubleValue();     // 1e400 is infinite, and out of range as for pydantic
            checkRange(name, node, value, min, max);
            return value;
        }

        long integer(String name, long fallback, long min, long max) {
            JsonNode node = root.get(name);
            if (node == null) {
                return fallback;
            }
            return integral(name, node, min, max).orElse(fallback);
        }

        Long seed() {
            JsonNode node = root.get("seed");
            if (node == null || node.isNull()) {
                return null;
            }
            return integral("seed", node, 0, Long.MAX_VALUE).orElse(null);
        }

        private void checkRange(String name, JsonNode input, double value, double min, double max) {
            if (value < min) {
                error(name, "Input should be greater than or equal to " + formatLimit(min), "greater_than_equal",
                        input, Map.of("ge", min));
            } else if (value > max) {
                error(name, "Input should be less than or equal to " + formatLimit(max), "less_than_equal",
                        input, Map.of("le", max));
            }
        }

        /**
         * A JSON integer, or a number with no fractional part, within [min, max]; empty (with the error recorded)
         * otherwise. Compared as BigInteger so that values beyond a long are range errors, not overflows.
         */
        private Optional<Long> integral(String name, JsonNode node, long min, long max) {
            BigInteger value;
            if (node.isIntegralNumber()) {
                value = node.bigIntegerValue();
            } else if (node.isNumber() && !Double.isFinite(node.doubleValue())) {   // 1e400: no decimal value
                error(name, "Input should be a finite number", "finite_number", node, null);
                return Optional.empty();
            } else if (node.isNumber() && node.decimalValue().stripTrailingZeros().scale() <= 0) {
                value = node.decimalValue().toBigIntegerExact();
            } else if (node.isNumber()) {
                error(name, "Input should be a valid integer, got a number with a fractional part",
                        "int_from_float", node, null);
                return Optional.empty();
            } else {
                if (node.isTextual() && !isNumber(node.textValue())) {
                    error(name, "Input should be a valid integer, unable to parse string as an integer",
                            "int_parsing", node, null);
                } else {
                    error(name, "Input should be a valid integer", "int_type", node, null);
                }
                return Optional.empty();
            }
            if (value.compareTo(BigInteger.valueOf(min)) < 0) {
                error(name, "Input should be greater than or equal to " + min, "greater_than_equal", node,
                        Map.of("ge", min));
                return Optional.empty();
            }
            if (value.compareTo(BigInteger.valueOf(max)) > 0) {
                error(name, "Input should be less than or equal to " + max, "less_than_equal", node,
                        Map.of("le", max));
                return Optional.empty();
            }
            return Optional.of(value.longValueExact());
        }

        String scheduler(List<String> available) {
            return literal("scheduler", defaults.scheduler(), available);
        }

        /**
         * Every mode's name is valid here (pydantic's Literal["exact", "fast"]); whether this service runs it is the
         * pipeline's 422, which names what is missing.
         */
        String mode() {
            return literal("mode", defaultMode, Mode.wireNames());
        }

        /** A string field that must be one of {@code allowed} (null: any), {@code fallback} when absent. */
        private String literal(String field, String fallback, List<String> allowed) {
            JsonNode node = root.get(field);
            if (node == null) {
                return fallback;
            }
            String name = text(field, node, Integer.MAX_VALUE);
            if (name != null && allowed != null && !allowed.contains(name)) {
                String expected = expected(allowed);
                error(field, "Input should be " + expected, "literal_error", node, Map.of("expected", expected));
            }
            return name;
        }

        /**
         * The decoded audio_input_b64, or null. Bad base64 is a 400 (MalformedRequestException); audio the decoder
         * refuses, or a clip without samples, an AudioDecodeException (413 for too many bytes, else 400).
         */
        DecodedAudio audioInput() {
            String encoded = optionalText("audio_input_b64", Integer.MAX_VALUE);
            if (encoded == null) {
                return null;
            }
            byte[] file;
            try {
                file = Base64.getDecoder().decode(encoded);
            } catch (IllegalArgumentException e) {
                throw new MalformedRequestException("audio_input_b64 is not valid base64: " + e.getMessage());
            }
            DecodedAudio audio = AudioDecoder.decode(file, audioLimits);
            if (audio.frames() == 0) {
                throw new AudioDecodeException(AudioDecodeException.Problem.EMPTY,
                        "The audio input has no samples", audioLimits);
            }
            return audio;
        }

        /** Only with audio input: a number in [0, 1], the default when absent. Null for text-to-audio. */
        Double strength(boolean audioToAudio) {
            JsonNode node = root.get("strength");
            if (!audioToAudio) {
                if (node != null && !node.isNull()) {
                    error("strength", "Value error, strength applies to audio-to-audio only: "
                            + "give audio_input_b64 or leave strength out", "value_error", node, null);
                }
                return null;
            }
            return node == null || node.isNull() ? GenerationRequest.DEFAULT_STRENGTH
                    : number("strength", GenerationRequest.DEFAULT_STRENGTH, 0.0, 1.0);
        }

        String clientJobId(String fromQuery) {
            JsonNode node = root.get("client_job_id");
            if (node != null && !node.isNull()) {
                return validClientJobId(at("client_job_id"), text("client_job_id", node, Integer.MAX_VALUE));
            }
            return fromQuery == null ? null : validClientJobId(List.of("query", "client_job_id"), fromQuery);
        }

        private String validClientJobId(List<Object> loc, String id) {
            if (id != null && !CLIENT_JOB_ID.matcher(id).matches()) {
                errors.add(new ValidationError(loc, "String should match pattern '" + CLIENT_JOB_ID_PATTERN + "'",
                        "string_pattern_mismatch", id, Map.of("pattern", CLIENT_JOB_ID_PATTERN)));
                return null;
            }
            return id;
        }
    }

    /** As pydantic writes a float bound in a message: 30.0 as "30", 12.5 as "12.5". */
    private static String formatLimit(double limit) {
        return BigDecimal.valueOf(limit).stripTrailingZeros().toPlainString();
    }

    /** pydantic's literal list: 'a', 'b' or 'c'. */
    private static String expected(List<String> names) {
        List<String> quoted = names.stream().map(s -> "'" + s + "'").toList();
        return quoted.size() == 1 ? quoted.get(0)
                : String.join(", ", quoted.subList(0, quoted.size() - 1)) + " or " + quoted.get(quoted.size() - 1);
    }

    /** Whether pydantic would read the string as a number (it would accept it; this parser wants JSON numbers). */
    private static boolean isNumber(String text) {
        try {
            new BigDecimal(text.strip());
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
