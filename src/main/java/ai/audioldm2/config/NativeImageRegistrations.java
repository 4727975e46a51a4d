package ai.audioldm2.config;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Reflection a native image cannot see on its own: DJL reads tokenizer_config.json with Gson into
 * {@code TokenizerConfig}'s private fields. JNI up-calls and resources are registered in
 * META-INF/native-image/ai.audioldm2/audioldm2-service/reachability-metadata.json and application.properties.
 */
@RegisterForReflection(targets = ai.djl.huggingface.tokenizers.TokenizerConfig.class)
final class NativeImageRegistrations {

    private NativeImageRegistrations() {
    }
}
