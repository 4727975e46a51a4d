package ai.audioldm2.jobs;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Picks the jobs store when the application starts. Quarkus fixes a datasource's database kind at build time,
 * so the jar carries two named datasources, {@value #EMBEDDED} (H2) and {@value #POSTGRESQL}, and this makes
 * exactly one of them active at run time: PostgreSQL when {@code audioldm2.jobs.store-url}
 * ({@code AUDIOLDM2_JOBS_STORE_URL}) is set, with {@code store-user} and {@code store-password}; otherwise an H2
 * file {@code jobs} under {@code audioldm2.data-dir} ({@code AUDIOLDM2_DATA_DIR}, default {@code data}), made
 * absolute because H2 refuses implicitly relative paths. {@code WRITE_DELAY=0}: H2 otherwise writes a commit to
 * its file up to 500 ms later, and a {@code kill -9} in between would lose a job already answered 202.
 */
public final class JobStoreSelection implements ConfigSourceFactory {

    public static final String EMBEDDED = "embedded";
    public static final String POSTGRESQL = "postgresql";

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        return List.of(new PropertiesConfigSource(properties(value(context, "audioldm2.jobs.store-url"),
                value(context, "audioldm2.jobs.store-user"), value(context, "audioldm2.jobs.store-password"),
                value(context, "audioldm2.data-dir")), "audioldm2-jobs-store", 245));
    }

    static Map<String, String> properties(String storeUrl, String user, String password, String dataDir) {
        Map<String, String> properties = new HashMap<>();
        boolean shared = storeUrl != null && !storeUrl.isBlank();
        properties.put(active(EMBEDDED), String.valueOf(!shared));
        properties.put(active(POSTGRESQL), String.valueOf(shared));
        if (shared) {
            properties.put(datasource(POSTGRESQL, "jdbc.url"), storeUrl.strip());
            if (user != null) {
                properties.put(datasource(POSTGRESQL, "username"), user);
            }
            if (password != null) {
                properties.put(datasource(POSTGRESQL, "password"), password);
            }
        } else {
            properties.put(datasource(EMBEDDED, "jdbc.url"), embeddedUrl(dataDir(dataDir)));
        }
        return properties;
    }

    /** The folder of the embedded store, absolute. */
    public static Path dataDir(String configured) {
        return Path.of(configured == null || configured.isBlank() ? "data" : configured).toAbsolutePath();
    }

    static String embeddedUrl(Path dataDir) {
        return "jdbc:h2:file:" + dataDir.resolve("jobs") + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE;TRACE_LEVEL_FILE=0";
    }

    private static String active(String name) {
        return datasource(name, "active");
    }

    private static String datasource(String name, String key) {
        return "quarkus.datasource.\"" + name + "\"." + key;
    }

    private static String value(ConfigSourceContext context, String name) {
        ConfigValue value = context.getValue(name);
        return value == null ? null : value.getValue();
    }
}
