package ai.audioldm2.audio;

import java.util.Locale;

/**
 * Bounds on what {@link AudioDecoder} accepts. Every allocation the decoder makes is bounded by these: sizes declared
 * in a file are checked against them before anything is allocated.
 *
 * @param maxBytes           largest encoded input
 * @param maxDurationSeconds longest clip
 * @param minSampleRate      lowest sample rate, in Hz
 * @param maxSampleRate      highest sample rate, in Hz
 * @param maxChannels        most channels
 * @param maxDecodedSamples  most decoded samples over all channels (4 bytes each): caps memory where a short,
 *                           compressed file declares many channels at a high rate
 */
public record DecodeLimits(long maxBytes, double maxDurationSeconds, int minSampleRate, int maxSampleRate,
                           int maxChannels, long maxDecodedSamples) {

    /** 64 MiB, 30 s, 1 kHz..384 kHz, 8 channels, 2^24 samples (30 s of 8 channels at 48 kHz fit). */
    public static final DecodeLimits DEFAULT = new DecodeLimits(64L << 20, 30.0, 1_000, 384_000, 8, 1L << 24);

    public DecodeLimits {
        if (maxBytes <= 0 || !(maxDurationSeconds > 0) || minSampleRate <= 0 || maxSampleRate < minSampleRate
                || maxChannels <= 0 || maxDecodedSamples <= 0) {
            throw new IllegalArgumentException("inconsistent decode limits");
        }
    }

    public DecodeLimits withMaxDurationSeconds(double seconds) {
        return new DecodeLimits(maxBytes, seconds, minSampleRate, maxSampleRate, maxChannels, maxDecodedSamples);
    }

    public DecodeLimits withMaxBytes(long bytes) {
        return new DecodeLimits(bytes, maxDurationSeconds, minSampleRate, maxSampleRate, maxChannels,
                maxDecodedSamples);
    }

    /** Most frames (samples per channel) a clip at this rate and channel count may have. */
    long maxFrames(int sampleRate, int channels) {
        long byDuration = (long) Math.floor(maxDurationSeconds * sampleRate);
        return Math.min(byDuration, maxDecodedSamples / channels);
    }

    /** The accepted formats and limits, appended to every {@link AudioDecodeException} message. */
    public String describe() {
        return String.format(Locale.ROOT,
                "Accepted: WAV (PCM 8/16/24/32-bit integer or 32/64-bit float, WAVE_FORMAT_EXTENSIBLE included), "
                        + "FLAC, OGG/Vorbis or MP3; 1 to %d channels; sample rate %d to %d Hz; "
                        + "at most %s s, %d bytes and %d decoded samples over all channels",
                maxChannels, minSampleRate, maxSampleRate, trim(maxDurationSeconds), maxBytes, maxDecodedSamples);
    }

    private static String trim(double seconds) {
        return seconds == Math.rint(seconds) ? Long.toString((long) seconds) : Double.toString(seconds);
    }
}
