package ai.audioldm2.api;

import ai.audioldm2.config.FieldNames;
import ai.audioldm2.config.ServiceConfig;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationConfig;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.BeanPropertyWriter;
import com.fasterxml.jackson.databind.ser.BeanSerializerModifier;
import com.fasterxml.jackson.databind.util.NameTransformer;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.util.List;
import java.util.Set;

/**
 * Gives the JSON answers the field names of {@code audioldm2.api.field-names}: the DTOs keep this service's names,
 * and under the fleet's names the writer renames audio_b64 and meta as it serializes. {@link ConfiguredSchemaFilter}
 * renames the same properties in the OpenAPI document.
 */
@Singleton
public class AnswerFieldNames implements ObjectMapperCustomizer {

    /** The answer types whose fields are named after the client's service. */
    static final Set<Class<?>> ANSWERS = Set.of(PredictResponse.class, PredictResponse.Candidate.class);

    @Inject
    ServiceConfig config;

    @Override
    public void customize(ObjectMapper mapper) {
        FieldNames names = config.api().fieldNames();
        if (names == FieldNames.NATIVE) {
            return;
        }
        NameTransformer rename = new NameTransformer() {
            @Override
            public String transform(String name) {
                return names.of(name);
            }

            @Override
            public String reverse(String transformed) {
                return transformed;     // only ever serialized
            }
        };
        mapper.registerModule(new SimpleModule("answer-field-names").setSerializerModifier(new BeanSerializerModifier() {
            @Override
            public List<BeanPropertyWriter> changeProperties(SerializationConfig serialization, BeanDescription bean,
                                                             List<BeanPropertyWriter> properties) {
                return ANSWERS.contains(bean.getBeanClass())
                        ? properties.stream().map(p -> p.rename(rename)).toList() : properties;
            }
        }));
    }
}
