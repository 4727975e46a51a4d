package ai.audioldm2.jobs;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class JobStoreSelectionTest {

    @Test
    void withoutAStoreUrlTheEmbeddedH2UnderTheDataDirIsActive() {
        Map<String, String> properties = JobStoreSelection.properties(null, null, null, "some/dir");
        assertEquals("true", properties.get("quarkus.datasource.\"embedded\".active"));
        assertEquals("false", properties.get("quarkus.datasource.\"postgresql\".active"));
        String url = properties.get("quarkus.datasource.\"embedded\".jdbc.url");
        assertEquals("jdbc:h2:file:" + Path.of("some/dir").toAbsolutePath().resolve("jobs")
                + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE;TRACE_LEVEL_FILE=0", url);
        assertEquals(Path.of("data").toAbsolutePath(), JobStoreSelection.dataDir(null));
    }

    @Test
    void aStoreUrlSelectsPostgresqlWithItsCredentials() {
        Map<String, String> properties = JobStoreSelection.properties(" jdbc:postgresql://db:5432/jobs ", "u", "p",
                null);
        assertEquals("false", properties.get("quarkus.datasource.\"embedded\".active"));
        assertEquals("true", properties.get("quarkus.datasource.\"postgresql\".active"));
        assertEquals("jdbc:postgresql://db:5432/jobs", properties.get("quarkus.datasource.\"postgresql\".jdbc.url"));
        assertEquals("u", properties.get("quarkus.datasource.\"postgresql\".username"));
        assertEquals("p", properties.get("quarkus.datasource.\"postgresql\".password"));
        assertFalse(properties.containsKey("quarkus.datasource.\"embedded\".jdbc.url"));
    }
}
