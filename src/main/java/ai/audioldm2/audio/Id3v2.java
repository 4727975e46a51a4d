package ai.audioldm2.audio;

import ai.audioldm2.audio.AudioDecodeException.Problem;

/** ID3v2 tags, which may precede MP3 (and sometimes FLAC) data; skipped here so no decoder sizes a buffer from them. */
final class Id3v2 {
    private static final int HEADER_BYTES = 10;
    private static final int FOOTER_FLAG = 0x10;

    private Id3v2() {
    }

    /** Offset of the first byte after any leading ID3v2 tags. */
    static int skipTags(byte[] data, DecodeLimits limits) {
        int offset = 0;
        while (data.length - offset >= 3 && data[offset] == 'I' && data[offset + 1] == 'D' && data[offset + 2] == '3') {
            if (data.length - offset < HEADER_BYTES) {
                throw new AudioDecodeException(Problem.TRUNCATED, "Truncated ID3v2 tag header", limits);
            }
            int size = 0;
            for (int i = 6; i < 10; i++) {
                int b = data[offset + i] & 0xFF;
                if (b > 0x7F) {
                    throw new AudioDecodeException(Problem.MALFORMED, "Malformed ID3v2 tag size", limits);
                }
                size = (size << 7) | b; // "synchsafe": 7 bits per byte, at most 2^28 - 1
            }
            long end = (long) offset + HEADER_BYTES + size + ((data[offset + 5] & FOOTER_FLAG) != 0 ? HEADER_BYTES : 0);
            if (end > data.length) {
                throw new AudioDecodeException(Problem.TRUNCATED,
                        "Truncated ID3v2 tag: it declares " + size + " bytes but the file ends before", limits);
            }
            offset = (int) end;
        }
        return offset;
    }
}
