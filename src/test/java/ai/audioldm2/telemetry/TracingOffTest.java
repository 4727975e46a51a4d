package ai.audioldm2.telemetry;

import ai.audioldm2.jobs.Eventually;
import ai.audioldm2.jobs.GenerationService;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

/** No OTLP endpoint, so the SDK is off (as in production without a collector): the caller's trace id still returns. */
@QuarkusTest
@TestProfile(TracingOffTest.NoEndpoint.class)
class TracingOffTest {

    /** What OtlpEndpointConfigSource sets when OTEL_EXPORTER_OTLP_ENDPOINT is unset. */
    public static class NoEndpoint implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.sdk.disabled", "true");
        }
    }

    @Inject
    GenerationService generation;

    @BeforeEach
    void modelLoaded() {
        Eventually.modelReady(generation);
    }

    @Test
    void theCallersTraceIdIsEchoedAndNoSpanIdIsInvented() {
        given().contentType(ContentType.JSON)
                .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
                .body("{\"prompt\": \"p\", \"duration\": 0.5, \"client_job_id\": \"c1\"}")
                .when().post("/predict")
                .then().statusCode(200)
                .body("meta.client_job_id", equalTo("c1"))
                .body("meta.trace_id", equalTo("4bf92f3577b34da6a3ce929d0e0e4736"))
                .body("meta.span_id", nullValue());
    }

    @Test
    void withoutATraceparentAllIdsAreNull() {
        given().contentType(ContentType.JSON).body("{\"prompt\": \"p\", \"duration\": 0.5}")
                .when().post("/predict")
                .then().statusCode(200)
                .body("meta.trace_id", nullValue())
                .body("meta.span_id", nullValue());
    }
}
