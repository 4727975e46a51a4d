package ai.audioldm2.api;

import ai.audioldm2.config.FieldNames;
import ai.audioldm2.config.ServiceConfig;
import ai.audioldm2.jobs.ModelLoader;
import ai.audioldm2.pipeline.GenerationRequest;
import ai.audioldm2.scheduler.Schedulers;
import ai.audioldm2.text.PromptText;
import io.smallrye.config.SmallRyeConfig;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.media.Schema;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the limits and defaults in effect into the request schemas of the OpenAPI document, so that it shows
 * what the parser enforces, also after an operator changed them (AUDIOLDM2_LIMITS_MAX_DURATION and so on). The
 * annotations on {@link PredictRequest} and {@link BatchRequest} carry only what never changes. Registered with
 * {@code mp.openapi.filter}, which Quarkus runs when the service starts, with the run-time configuration.
 */
public class ConfiguredSchemaFilter implements OASFilter {

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        ServiceConfig config = ConfigProvider.getConfig().unwrap(SmallRyeConfig.class)
                .getConfigMapping(ServiceConfig.class);
        Map<String, Schema> schemas = openAPI.getComponents().getSchemas();
        describeRequest(schemas.get("PredictRequest").getProperties(), config);
        schemas.get("BatchRequest").getProperties().get("requests").maxItems(config.limits().maxBatchItems());
        FieldNames names = config.api().fieldNames();
        List.of("PredictResponse", "Candidate").forEach(answer -> rename(schemas.get(answer), names));
    }

    /** The answer's properties under the configured names, in their order (see {@link AnswerFieldNames}). */
    private static void rename(Schema answer, FieldNames names) {
        Map<String, Schema> renamed = new LinkedHashMap<>();
        answer.getProperties().forEach((name, property) -> renamed.put(names.of(name), property));
        answer.setProperties(renamed);
        if (answer.getRequired() != null) {
            answer.setRequired(answer.getRequired().stream().map(names::of).toList());
        }
    }

    private static void describeRequest(Map<String, Schema> fields, ServiceConfig config) {
        ServiceConfig.Limits limits = config.limits();
        ServiceConfig.Defaults defaults = config.defaults();
        fields.get("prompt").maxLength(PromptText.MAX_CODE_POINTS);
        Schema negativePrompt = fields.get("negative_prompt").maxLength(PromptText.MAX_CODE_POINTS);
        defaults.negativePrompt().ifPresent(negativePrompt::defaultValue);
        range(fields.get("duration"), limits.minDuration(), limits.maxDuration()).defaultValue(defaults.duration());
        ModelLoader.memoryMaxDuration(config).ifPresent(max -> fields.get("duration").maximum(BigDecimal.valueOf(max)));
        range(fields.get("guidance_scale"), limits.minGuidanceScale(), limits.maxGuidanceScale())
                .defaultValue(defaults.guidanceScale());
        range(fields.get("num_inference_steps"), limits.minSteps(), limits.maxSteps())
                .defaultValue(defaults.numInferenceSteps());
        fields.get("scheduler").defaultValue(defaults.scheduler()).enumeration(List.copyOf(Schedulers.names()));
        fields.get("mode").defaultValue(config.request().mode())
                .enumeration(List.copyOf(ModelLoader.servedModes(config)));
        fields.get("strength").defaultValue(GenerationRequest.DEFAULT_STRENGTH);
        fields.get("num_waveforms_per_prompt").maximum(BigDecimal.valueOf(limits.maxWaveformsPerPrompt()));
    }

    /** Integers stay integers in the document (500, not 500.0), as the annotations wrote them. */
    private static Schema range(Schema field, Number min, Number max) {
        return field.minimum(new BigDecimal(min.toString())).maximum(new BigDecimal(max.toString()));
    }
}
