package ai.audioldm2.health;

import ai.audioldm2.jobs.Eventually;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

/** A GPU provider with too little free memory: the service stays up and says why it cannot serve. */
@QuarkusTest
@TestProfile(InsufficientDeviceMemoryTest.SmallGpu.class)
class InsufficientDeviceMemoryTest {

    /** cuda, with an nvidia-smi that reports 8 GiB of which 6 GiB are used. */
    public static class SmallGpu implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Path script = Files.createTempFile("fake-nvidia-smi", ".sh");
                Files.writeString(script, "#!/bin/sh\necho '8192, 6144'\n");
                Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
                script.toFile().deleteOnExit();
                return Map.of("audioldm2.runtime.provider", "cuda",
                        "audioldm2.device-memory.nvidia-smi-command", script.toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Test
    void healthIsAnErrorWithTheNumbers() {
        Eventually.await("loading gave up", () -> RestAssured.get("/health").path("status").equals("error"));
        given().when().get("/health").then().statusCode(503).contentType(ContentType.JSON)
                .body("reason", equalTo("insufficient device memory: need 6.0 GB, nvidia GPU 0: "
                        + "2.1 GB free of 8.6 GB (6.4 GB used)"));
        given().when().get("/q/health/ready").then().statusCode(503);
        given().when().get("/q/health/live").then().statusCode(503);
        given().when().get("/q/health/started").then().statusCode(200);
        given().contentType(ContentType.JSON).body("{\"prompt\": \"p\"}").when().post("/predict")
                .then().statusCode(503).body("detail", org.hamcrest.Matchers.startsWith(
                        "the model is not available: insufficient device memory"));
    }
}
