package ai.audioldm2.audio;

import ai.audioldm2.audio.AudioDecodeException.Problem;

import java.util.Locale;

/**
 * RIFF/WAVE reader: PCM 8 (unsigned), 16, 24, 32-bit integer, 32/64-bit IEEE float, plain or WAVE_FORMAT_EXTENSIBLE.
 * Every size read from the file is checked against the bytes actually present and against the limits before use.
 */
final class WavDecoder {
    private static final int FORMAT_PCM = 1;
    private static final int FORMAT_IEEE_FLOAT = 3;
    private static final int FORMAT_EXTENSIBLE = 0xFFFE;
    /** The 14 bytes after the format code in the KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT GUIDs. */
    private static final byte[] SUBTYPE_GUID_TAIL = {
        0x00, 0x00, 0x00, 0x00, 0x10, 0x00, (byte) 0x80, 0x00, 0x00, (byte) 0xAA, 0x00, 0x38, (byte) 0x9B, 0x71};
    /** Data size that streaming writers put when the length is unknown: read to the end of the file. */
    private static final long UNKNOWN_SIZE = 0xFFFFFFFFL;

    private WavDecoder() {
    }

    static boolean matches(byte[] data) {
        return data.length >= 4 && data[0] == 'R' && data[1] == 'I' && data[2] == 'F' && data[3] == 'F';
    }

    static DecodedAudio decode(byte[] data, DecodeLimits limits) {
        if (data.length < 12) {
            throw new AudioDecodeException(Problem.TRUNCATED,
                    "Truncated WAV: " + data.length + " bytes is shorter than the 12-byte RIFF header", limits);
        }
        if (!(data[8] == 'W' && data[9] == 'A' && data[10] == 'V' && data[11] == 'E')) {
            throw new AudioDecodeException(Problem.MALFORMED,
                    "Wrong header: a RIFF file of type '" + fourCc(data, 8) + "', not 'WAVE'", limits);
        }
        Format format = null;
        int dataOffset = -1;
        long dataSize = 0;
        int offset = 12;
        while (offset + 8 <= data.length && dataOffset < 0) {
            String id = fourCc(data, offset);
            long size = u32(data, offset + 4);
            int body = offset + 8;
            long available = data.length - body;
            if (id.equals("data")) {
                if (format == null) {
                    throw new AudioDecodeException(Problem.MALFORMED,
                            "Wrong header: the 'data' chunk comes before any 'fmt ' chunk", limits);
                }
                if (size == UNKNOWN_SIZE) {
                    size = available;
                } else if (size > available) {
                    throw new AudioDecodeException(Problem.TRUNCATED, String.format(Locale.ROOT,
                            "Truncated WAV: the 'data' chunk declares %d bytes but only %d follow", size, available),
                            limits);
                }
                dataOffset = body;
                dataSize = size;
            } else {
                if (size > available) {
                    throw new AudioDecodeException(Problem.TRUNCATED, String.format(Locale.ROOT,
                            "Truncated WAV: chunk '%s' declares %d bytes but only %d follow", id, size, available),
                            limits);
                }
                if (id.equals("fmt ")) {
                    format = Format.parse(data, body, (int) size, limits);
                }
                offset = (int) (body + size + (size & 1)); // chunks are padded to even sizes
            }
        }
        if (format == null) {
            throw new AudioDecodeException(Problem.TRUNCATED,
                    "Truncated WAV: the file ends without a 'fmt ' chunk", limits);
        }
        if (dataOffset < 0) {
            throw new AudioDecodeException(Problem.TRUNCATED, "Truncated WAV: no 'data' chunk was found", limits);
        }
        long frames = dataSize / format.blockAlign;
        if (frames == 0) {
            throw new AudioDecodeException(Problem.EMPTY, "The WAV file contains no audio samples", limits);
        }
        if (frames > limits.maxFrames(format.sampleRate, format.channels)) {
            throw PcmAccumulator.tooLong(limits, format.sampleRate, format.channels, frames);
        }
        return new DecodedAudio(format.read(data, dataOffset, (int) frames, limits), format.sampleRate);
    }

    /** The 'fmt ' chunk, validated. */
    private record Format(int code, int channels, int sampleRate, int blockAlign, int bytesPerSample) {

        static Format parse(byte[] data, int at, int size, DecodeLimits limits) {
            if (size < 16) {
                throw new AudioDecodeException(Problem.MALFORMED,
                        "Wrong header: the 'fmt ' chunk has " + size + " bytes, at least 16 are needed", limits);
            }
            int code = u16(data, at);
            int channels = u16(data, at + 2);
            long sampleRate = u32(data, at + 4);
            int blockAlign = u16(data, at + 12);
            int bits = u16(data, at + 14);
            if (code == FORMAT_EXTENSIBLE) {
                if (size < 40 || u16(data, at + 16) < 22) {
                    throw new AudioDecodeException(Problem.MALFORMED,
                            "Wrong header: WAVE_FORMAT_EXTENSIBLE needs a 40-byte 'fmt ' chunk", limits);
                }
                int validBits = u16(data, at + 18);
                code = u16(data, at + 24);
                for (int i = 0; i < SUBTYPE_GUID_TAIL.length; i++) {
                    if (data[at + 26 + i] != SUBTYPE_GUID_TAIL[i]) {
                        throw new AudioDecodeException(Problem.UNSUPPORTED_ENCODING,
                                "Unsupported WAV encoding: WAVE_FORMAT_EXTENSIBLE with a non-PCM, non-float sub-format",
                                limits);
                    }
                }
                if (validBits > bits) {
                    throw new AudioDecodeException(Problem.MALFORMED, "Wrong header: " + validBits
                            + " valid bits in a " + bits + "-bit container", limits);
                }
            }
            boolean supported = (code == FORMAT_PCM && (bits == 8 || bits == 16 || bits == 24 || bits == 32))
                    || (code == FORMAT_IEEE_FLOAT && (bits == 32 || bits == 64));
            if (!supported) {
                throw new AudioDecodeException(Problem.UNSUPPORTED_ENCODING, String.format(Locale.ROOT,
                        "Unsupported WAV encoding: format code 0x%04X with %d bits per sample", code, bits), limits);
            }
            AudioDecoder.checkStreamFormat("WAV", sampleRate, channels, limits);
            int bytesPerSample = bits / 8;
            if (blockAlign != channels * bytesPerSample) {
                throw new AudioDecodeException(Problem.MALFORMED, String.format(Locale.ROOT,
                        "Wrong header: block align %d does not match %d channel(s) of %d bytes",
                        blockAlign, channels, bytesPerSample), limits);
            }
            return new Format(code, channels, (int) sampleRate, blockAlign, bytesPerSample);
        }

        float[][] read(byte[] data, int offset, int frames, DecodeLimits limits) {
            float[][] out = new float[channels][frames];
            for (int i = 0; i < frames; i++) {
                for (int c = 0; c < channels; c++) {
                    int at = offset + i * blockAlign + c * bytesPerSample;
                    float sample = code == FORMAT_IEEE_FLOAT ? readFloat(data, at) : readInt(data, at);
                    if (!Float.isFinite(sample)) {
                        throw new AudioDecodeException(Problem.MALFORMED, String.format(Locale.ROOT,
                                "The WAV file holds a non-finite sample (%s) at frame %d", sample, i), limits);
                    }
                    out[c][i] = sample;
                }
            }
            return out;
        }

        private float readInt(byte[] data, int at) {
            switch (bytesPerSample) {
                case 1:
                    return ((data[at] & 0xFF) - 128) / 128f;
                case 2:
                    return (short) u16(data, at) / 32768f;
                case 3:
                    return (((data[at + 2] << 16) | ((data[at + 1] & 0xFF) << 8) | (data[at] & 0xFF))) / 8388608f;
                default:
                    return (float) ((int) u32(data, at) / 2147483648.0);
            }
        }

        private float readFloat(byte[] data, int at) {
            if (bytesPerSample == 4) {
                return Float.intBitsToFloat((int) u32(data, at));
            }
            return (float) Double.longBitsToDouble(u32(data, at) | (u32(data, at + 4) << 32));
        }
    }

    private static int u16(byte[] data, int at) {
        return (data[at] & 0xFF) | ((data[at + 1] & 0xFF) << 8);
    }

    private static long u32(byte[] data, int at) {
        return ((long) u16(data, at)) | ((long) u16(data, at + 2) << 16);
    }

    private static String fourCc(byte[] data, int at) {
        StringBuilder id = new StringBuilder(4);
        for (int i = at; i < at + 4; i++) {
            char c = (char) (data[i] & 0xFF);
            id.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return id.toString();
    }
}
