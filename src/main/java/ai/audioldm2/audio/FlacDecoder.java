package ai.audioldm2.audio;

import ai.audioldm2.audio.AudioDecodeException.Problem;
import org.jflac.ChannelData;
import org.jflac.FLACDecoder;
import org.jflac.FrameListener;
import org.jflac.frame.Frame;
import org.jflac.metadata.Metadata;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.Locale;

/**
 * FLAC through jFLAC. The metadata blocks are parsed and bounds-checked here, and only STREAMINFO is passed on:
 * jFLAC sizes buffers from the lengths inside other blocks (comments, pictures) without checking them.
 */
final class FlacDecoder {
    private static final int STREAMINFO_BYTES = 34;
    private static final int BLOCK_HEADER_BYTES = 4;

    private FlacDecoder() {
    }

    static boolean matches(byte[] data, int at) {
        return data.length - at >= 4 && data[at] == 'f' && data[at + 1] == 'L' && data[at + 2] == 'a'
                && data[at + 3] == 'C';
    }

    static DecodedAudio decode(byte[] data, int start, DecodeLimits limits) {
        int offset = start + 4;
        byte[] streamInfo = null;
        boolean last = false;
        while (!last) {
            if (data.length - offset < BLOCK_HEADER_BYTES) {
                throw new AudioDecodeException(Problem.TRUNCATED, "Truncated FLAC: the metadata ends early", limits);
            }
            last = (data[offset] & 0x80) != 0;
            int type = data[offset] & 0x7F;
            int length = ((data[offset + 1] & 0xFF) << 16) | ((data[offset + 2] & 0xFF) << 8) | (data[offset + 3] & 0xFF);
            int body = offset + BLOCK_HEADER_BYTES;
            if (length > data.length - body) {
                throw new AudioDecodeException(Problem.TRUNCATED, String.format(Locale.ROOT,
                        "Truncated FLAC: metadata block %d declares %d bytes but only %d follow",
                        type, length, data.length - body), limits);
            }
            if (streamInfo == null && (type != 0 || length != STREAMINFO_BYTES)) {
                throw new AudioDecodeException(Problem.MALFORMED,
                        "Wrong FLAC header: the first metadata block is not a 34-byte STREAMINFO", limits);
            }
            if (type == 0 && streamInfo == null) {
                streamInfo = new byte[BLOCK_HEADER_BYTES + STREAMINFO_BYTES];
                System.arraycopy(data, offset, streamInfo, 0, streamInfo.length);
                streamInfo[0] = (byte) 0x80; // the only block passed on, so the last one
            }
            offset = body + length;
        }
        int sampleRate = ((streamInfo[14] & 0xFF) << 12) | ((streamInfo[15] & 0xFF) << 4) | ((streamInfo[16] & 0xFF) >> 4);
        int channels = ((streamInfo[16] >> 1) & 0x07) + 1;
        int bitsPerSample = (((streamInfo[16] & 0x01) << 4) | ((streamInfo[17] & 0xFF) >> 4)) + 1;
        long totalFrames = ((long) (streamInfo[17] & 0x0F) << 32) | ((streamInfo[18] & 0xFFL) << 24)
                | ((streamInfo[19] & 0xFF) << 16) | ((streamInfo[20] & 0xFF) << 8) | (streamInfo[21] & 0xFF);
        AudioDecoder.checkStreamFormat("FLAC", sampleRate, channels, limits);
        if (bitsPerSample < 4 || bitsPerSample > 24) {
            throw new AudioDecodeException(Problem.UNSUPPORTED_ENCODING,
                    "Unsupported FLAC encoding: " + bitsPerSample + " bits per sample", limits);
        }
        if (totalFrames > limits.maxFrames(sampleRate, channels)) {
            throw PcmAccumulator.tooLong(limits, sampleRate, channels, totalFrames);
        }

        InputStream stream = new SequenceInputStream(
                new ByteArrayInputStream(new byte[] {'f', 'L', 'a', 'C'}),
                new SequenceInputStream(new ByteArrayInputStream(streamInfo),
                        new ByteArrayInputStream(data, offset, data.length - offset)));
        FLACDecoder decoder = new FLACDecoder(stream);
        decoder.addFrameListener(new FailOnCorruptFrame(limits));
        PcmAccumulator pcm = new PcmAccumulator(channels, sampleRate, limits);
        float scale = 1f / (1 << (bitsPerSample - 1));
        try {
            decoder.readMetadata();
            Frame frame;
            // Stop at the declared length: past it jFLAC's frame search returns without reading, and a bad header
            // there would make readNextFrame retry forever.
            while ((totalFrames == 0 || pcm.frames() < totalFrames) && (frame = decoder.readNextFrame()) != null) {
                if (frame.header.channels != channels || frame.header.bitsPerSample != bitsPerSample) {
                    throw new AudioDecodeException(Problem.MALFORMED,
                            "Corrupt FLAC: a frame's channels or sample size differ from the stream's", limits);
                }
                int blockSize = frame.header.blockSize;
                ChannelData[] channelData = decoder.getChannelData();
                pcm.reserve(blockSize);
                for (int c = 0; c < channels; c++) {
                    int[] samples = channelData[c].getOutput();
                    for (int i = 0; i < blockSize; i++) {
                        pcm.set(c, i, samples[i] * scale);
                    }
                }
                pcm.advance(blockSize);
            }
        } catch (IOException e) {
            throw new AudioDecodeException(Problem.MALFORMED, "Corrupt FLAC stream: " + e.getMessage(), limits, e);
        }
        if (pcm.frames() < totalFrames) {
            throw new AudioDecodeException(Problem.TRUNCATED, String.format(Locale.ROOT,
                    "Truncated FLAC: %d of the %d declared frames are present", pcm.frames(), totalFrames), limits);
        }
        if (totalFrames > 0) {
            pcm.truncate(totalFrames);
        }
        return pcm.finish("FLAC");
    }

    /**
     * jFLAC reports a bad frame header, a bad subframe or a CRC mismatch only to its listeners (for a CRC mismatch it
     * returns the frame zeroed); this makes each of them fail the decode. Its "lost sync" reports are skipped bytes
     * while it searches for the next frame, which always makes progress, and are let through.
     */
    private record FailOnCorruptFrame(DecodeLimits limits) implements FrameListener {
        @Override
        public void processMetadata(Metadata metadata) {
        }

        @Override
        public void processFrame(Frame frame) {
        }

        @Override
        public void processError(String message) {
            if (message.contains("EOFException")) {
                throw new AudioDecodeException(Problem.TRUNCATED, "Truncated FLAC: the data ends inside a frame",
                        limits);
            }
            if (!message.startsWith("FindSync")) {
                throw new AudioDecodeException(Problem.MALFORMED, "Corrupt FLAC stream: " + message, limits);
            }
        }
    }
}
