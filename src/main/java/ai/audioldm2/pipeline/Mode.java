package ai.audioldm2.pipeline;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How a request runs. EXACT is step for step diffusers' pipeline; FAST swaps in the bundle's fast graphs (the
 * manifest's {@code fast} block, e.g. an int8 UNet) and applies its guidance interval (see {@link Denoiser}).
 * Both are seeded and deterministic; only EXACT claims diffusers parity.
 */
public enum Mode {
    EXACT, FAST;

    /** The name in requests, configuration and answers: exact, fast. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Every mode's wire name, in declaration order. */
    public static List<String> wireNames() {
        return Arrays.stream(values()).map(Mode::wireName).toList();
    }

    public static Optional<Mode> parse(String name) {
        return Arrays.stream(values()).filter(m -> m.wireName().equals(name)).findFirst();
    }
}
