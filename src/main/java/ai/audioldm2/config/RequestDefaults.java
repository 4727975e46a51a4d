package ai.audioldm2.config;

/**
 * The values a request gets for the fields it leaves out, written once as the compile-time constants that
 * annotations need: {@link ServiceConfig.Defaults}' {@code @WithDefault}s and the generate command's option
 * defaults. The service's limits are written once in {@link ServiceConfig.Limits}; the OpenAPI document shows
 * the values in effect (api.ConfiguredSchemaFilter).
 */
public final class RequestDefaults {

    public static final String DURATION = "10.0";
    public static final String NUM_INFERENCE_STEPS = "200";
    public static final String GUIDANCE_SCALE = "3.5";
    public static final String SCHEDULER = "ddim";
    public static final String MODE = "exact";

    private RequestDefaults() {
    }
}
