package ai.audioldm2.random;

import java.util.concurrent.ThreadLocalRandom;

/** The one rule for the seed of a run whose caller gave none. */
public final class Seeds {

    private Seeds() {
    }

    /**
     * {@code seed}, or a random one when it is null: uniform over [0, 2^63), the range the API's seed field
     * accepts. A seed is a handle to reproduce a run, not a secret, so no SecureRandom.
     */
    public static long orRandom(Long seed) {
        return seed != null ? seed : ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
    }
}
