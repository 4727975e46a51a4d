package ai.audioldm2.telemetry;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class OtlpEndpointConfigSourceTest {

    @Test
    void noEndpointTurnsTheSdkOffSilently() {
        assertEquals(Map.of("quarkus.otel.sdk.disabled", "true"), OtlpEndpointConfigSource.propertiesFor(null));
        assertEquals(Map.of("quarkus.otel.sdk.disabled", "true"), OtlpEndpointConfigSource.propertiesFor("  "));
    }

    @Test
    void theFleetsSchemeLessEndpointGetsAScheme() {
        assertEquals(Map.of("quarkus.otel.sdk.disabled", "false",
                        "quarkus.otel.exporter.otlp.endpoint", "http://localhost:4317"),
                OtlpEndpointConfigSource.propertiesFor("localhost:4317"));
    }

    @Test
    void endpointsWithASchemeAreKept() {
        assertEquals("https://collector.example:4317",
                OtlpEndpointConfigSource.propertiesFor(" https://collector.example:4317 ")
                        .get("quarkus.otel.exporter.otlp.endpoint"));
    }

    @Test
    void ranksBelowApplicationPropertiesAndTheEnvironment() {
        // 250 is application.properties, 300 the environment: both must be able to override this source.
        int ordinal = new OtlpEndpointConfigSource("localhost:4317").getOrdinal();
        assertEquals(true, ordinal < 250, "ordinal " + ordinal);
    }
}
