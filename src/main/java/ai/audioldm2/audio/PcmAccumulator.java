package ai.audioldm2.audio;

import java.util.Arrays;
import java.util.Locale;

/**
 * Collects decoded frames of a stream whose length is not known up front. Storage grows by doubling but never beyond
 * the frame budget the limits allow for this rate and channel count, so a lying or endless stream fails with
 * {@link AudioDecodeException.Problem#TOO_LONG} instead of exhausting memory.
 */
final class PcmAccumulator {
    private static final int INITIAL_FRAMES = 1 << 14;

    private final DecodeLimits limits;
    private final int sampleRate;
    private final long maxFrames;
    private float[][] channels;
    private int frames;

    PcmAccumulator(int channelCount, int sampleRate, DecodeLimits limits) {
        this.limits = limits;
        this.sampleRate = sampleRate;
        this.maxFrames = limits.maxFrames(sampleRate, channelCount);
        int initial = (int) Math.min(INITIAL_FRAMES, maxFrames);
        this.channels = new float[channelCount][initial];
    }

    /** Room for {@code count} more frames; call before writing them with {@link #set}. */
    void reserve(int count) {
        long needed = (long) frames + count;
        if (needed > maxFrames) {
            throw tooLong(limits, sampleRate, channels.length, needed);
        }
        if (needed > channels[0].length) {
            int capacity = (int) Math.min(Math.max(needed, 2L * channels[0].length), maxFrames);
            for (int c = 0; c < channels.length; c++) {
                channels[c] = Arrays.copyOf(channels[c], capacity);
            }
        }
    }

    /** Sample {@code offset} frames after the current end; {@link #reserve} must have made room. */
    void set(int channel, int offset, float value) {
        channels[channel][frames + offset] = value;
    }

    void advance(int count) {
        frames += count;
    }

    int frames() {
        return frames;
    }

    /** Drops frames past {@code length}, for formats whose container states the exact length at the end. */
    void truncate(long length) {
        if (length >= 0 && length < frames) {
            frames = (int) length;
        }
    }

    int channelCount() {
        return channels.length;
    }

    DecodedAudio finish(String format) {
        if (frames == 0) {
            throw new AudioDecodeException(AudioDecodeException.Problem.EMPTY,
                    "The " + format + " stream contains no audio samples", limits);
        }
        float[][] out = new float[channels.length][];
        for (int c = 0; c < channels.length; c++) {
            out[c] = channels[c].length == frames ? channels[c] : Arrays.copyOf(channels[c], frames);
        }
        return new DecodedAudio(out, sampleRate);
    }

    /** The error for a clip of {@code frames} frames that exceeds the duration or decoded-sample budget. */
    static AudioDecodeException tooLong(DecodeLimits limits, int sampleRate, int channels, long frames) {
        return new AudioDecodeException(AudioDecodeException.Problem.TOO_LONG, String.format(Locale.ROOT,
                "The audio is too long: at least %d frames of %d channel(s) at %d Hz (%.2f s)",
                frames, channels, sampleRate, (double) frames / sampleRate), limits);
    }
}
