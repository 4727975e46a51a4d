package ai.audioldm2.telemetry;

import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.Map;
import java.util.Set;

/**
 * Maps the fleet's plain {@code OTEL_EXPORTER_OTLP_ENDPOINT} onto Quarkus' OpenTelemetry settings.
 * Quarkus ignores the plain variable, refuses the fleet's scheme-less {@code localhost:4317}, and exports to
 * localhost when no endpoint is given (logging a failure per batch). So: no endpoint turns the SDK off silently;
 * an endpoint is given a scheme when it lacks one and turns the SDK on. The ordinal sits below
 * application.properties (250) and the environment (300), so {@code QUARKUS_OTEL_SDK_DISABLED} and profile
 * settings still win.
 */
public final class OtlpEndpointConfigSource implements ConfigSource {

    static final String ENDPOINT_VARIABLE = "OTEL_EXPORTER_OTLP_ENDPOINT";
    static final String SDK_DISABLED = "quarkus.otel.sdk.disabled";
    static final String ENDPOINT = "quarkus.otel.exporter.otlp.endpoint";

    private final Map<String, String> properties;

    public OtlpEndpointConfigSource() {
        this(System.getenv(ENDPOINT_VARIABLE));
    }

    OtlpEndpointConfigSource(String endpoint) {
        this.properties = propertiesFor(endpoint);
    }

    static Map<String, String> propertiesFor(String endpoint) {
        if (endpoint == null || endpoint.isBlank()) {
            return Map.of(SDK_DISABLED, "true");
        }
        // Explicit "false": the value recorded at build time would otherwise keep the SDK off.
        return Map.of(SDK_DISABLED, "false", ENDPOINT, withScheme(endpoint.strip()));
    }

    /** The fleet writes {@code host:port}; the OTLP exporter wants a URL. gRPC here is plain text, as in the fleet. */
    static String withScheme(String endpoint) {
        return endpoint.contains("://") ? endpoint : "http://" + endpoint;
    }

    @Override
    public Map<String, String> getProperties() {
        return properties;
    }

    @Override
    public Set<String> getPropertyNames() {
        return properties.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return properties.get(propertyName);
    }

    @Override
    public String getName() {
        return "audioldm2-otlp-endpoint";
    }

    @Override
    public int getOrdinal() {
        return 240;
    }
}
