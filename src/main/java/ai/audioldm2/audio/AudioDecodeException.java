package ai.audioldm2.audio;

/**
 * The uploaded audio cannot be used. The message names the problem and then the accepted formats and limits, so
 * it can be shown to the client as is.
 */
public final class AudioDecodeException extends IllegalArgumentException {

    /** What went wrong; the API maps {@link #TOO_LARGE} to 413 and the rest to 400. */
    public enum Problem {
        EMPTY,
        TOO_LARGE,
        TOO_LONG,
        UNRECOGNISED_FORMAT,
        MALFORMED,
        TRUNCATED,
        UNSUPPORTED_ENCODING,
        BAD_SAMPLE_RATE,
        BAD_CHANNEL_COUNT
    }

    private final Problem problem;

    public AudioDecodeException(Problem problem, String detail, DecodeLimits limits) {
        this(problem, detail, limits, null);
    }

    public AudioDecodeException(Problem problem, String detail, DecodeLimits limits, Throwable cause) {
        super(detail + ". " + limits.describe(), cause);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
