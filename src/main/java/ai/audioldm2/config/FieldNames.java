package ai.audioldm2.config;

import java.util.Map;

/**
 * Which service the answers' field names follow ({@code audioldm2.api.field-names}). Only the names differ; the
 * values, the request fields and everything else are the same.
 */
public enum FieldNames {
    /** This service's own names: audio_b64, meta. */
    NATIVE(Map.of()),
    /**
     * The fleet's deployed Python audioldm2 service and its hrserve client: audio_base64, metadata (the
     * {@code fleet} profile sets this).
     */
    FLEET(Map.of("audio_b64", "audio_base64", "meta", "metadata"));

    private final Map<String, String> renamed;

    FieldNames(Map<String, String> renamed) {
        this.renamed = renamed;
    }

    /** The name this style gives the answer field this service calls {@code name}. */
    public String of(String name) {
        return renamed.getOrDefault(name, name);
    }
}
