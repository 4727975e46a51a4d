package ai.audioldm2.audio;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Hand-built RIFF/WAVE files with arbitrary (possibly wrong) header fields, for the decoder's error tests. */
final class TestWavs {

    private TestWavs() {
    }

    /** A canonical 44-byte-header WAV with {@code frames} frames of zero-valued data. */
    static byte[] wav(int formatCode, int channels, long sampleRate, int bits, int frames) {
        int blockAlign = channels * bits / 8;
        return riff(fmt(formatCode, channels, sampleRate, blockAlign, bits),
                chunk("data", new byte[frames * blockAlign]));
    }

    static byte[] fmt(int formatCode, int channels, long sampleRate, int blockAlign, int bits) {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) formatCode).putShort((short) channels).putInt((int) sampleRate)
                .putInt((int) (sampleRate * blockAlign)).putShort((short) blockAlign).putShort((short) bits);
        return chunk("fmt ", b.array());
    }

    static byte[] chunk(String id, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(8 + body.length + (body.length & 1)).order(ByteOrder.LITTLE_ENDIAN);
        b.put(id.getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(body.length).put(body);
        return b.array();
    }

    static byte[] riff(byte[]... chunks) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes("WAVE".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        for (byte[] c : chunks) {
            body.writeBytes(c);
        }
        ByteBuffer b = ByteBuffer.allocate(8 + body.size()).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(body.size()).put(body.toByteArray());
        return b.array();
    }

    /** 16-bit PCM data chunk from samples in [-1, 1], interleaved. */
    static byte[] pcm16(float... interleaved) {
        ByteBuffer b = ByteBuffer.allocate(interleaved.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : interleaved) {
            b.putShort((short) Math.round(v * 32767));
        }
        return chunk("data", b.array());
    }
}
