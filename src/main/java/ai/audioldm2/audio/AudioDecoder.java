package ai.audioldm2.audio;

import ai.audioldm2.audio.AudioDecodeException.Problem;

import java.util.Locale;

/**
 * Decodes an uploaded clip: WAV, FLAC, OGG/Vorbis or MP3, told apart by their leading bytes. Whatever the input,
 * the result is either a {@link DecodedAudio} within the limits or an {@link AudioDecodeException}.
 */
public final class AudioDecoder {

    private AudioDecoder() {
    }

    public static DecodedAudio decode(byte[] data, DecodeLimits limits) {
        if (data == null || data.length == 0) {
            throw new AudioDecodeException(Problem.EMPTY, "The audio file is empty", limits);
        }
        if (data.length > limits.maxBytes()) {
            throw new AudioDecodeException(Problem.TOO_LARGE,
                    "The audio file has " + data.length + " bytes, more than the limit", limits);
        }
        if (WavDecoder.matches(data)) {
            return WavDecoder.decode(data, limits);
        }
        int start = Id3v2.skipTags(data, limits);
        try {
            if (FlacDecoder.matches(data, start)) {
                return FlacDecoder.decode(data, start, limits);
            }
            if (OggVorbisDecoder.matches(data, start)) {
                return OggVorbisDecoder.decode(data, start, limits);
            }
            if (Mp3Decoder.matches(data, start)) {
                return Mp3Decoder.decode(data, start, limits);
            }
        } catch (AudioDecodeException e) {
            throw e;
        } catch (RuntimeException e) {
            // The third-party decoders signal corrupt streams with arbitrary runtime exceptions.
            throw new AudioDecodeException(Problem.MALFORMED,
                    "The audio stream is corrupt (" + e.getClass().getSimpleName() + ")", limits, e);
        }
        throw new AudioDecodeException(Problem.UNRECOGNISED_FORMAT,
                "Unrecognised audio format: the data starts with none of the WAV, FLAC, OGG or MP3 signatures",
                limits);
    }

    /** Rejects a sample rate or channel count outside the limits, before anything is allocated for them. */
    static void checkStreamFormat(String format, long sampleRate, int channels, DecodeLimits limits) {
        if (sampleRate < limits.minSampleRate() || sampleRate > limits.maxSampleRate()) {
            throw new AudioDecodeException(Problem.BAD_SAMPLE_RATE, String.format(Locale.ROOT,
                    "Unsupported sample rate in the %s header: %d Hz", format, sampleRate), limits);
        }
        if (channels < 1 || channels > limits.maxChannels()) {
            throw new AudioDecodeException(Problem.BAD_CHANNEL_COUNT, String.format(Locale.ROOT,
                    "Unsupported channel count in the %s header: %d", format, channels), limits);
        }
    }
}
