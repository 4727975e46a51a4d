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
        StreamInfo info = StreamInfo.read(data, start, limits);
        AudioDecoder.checkStreamFormat("FLAC", info.sampleRate(), info.channels(), limits);
        if (info.bitsPerSample() < 4 || info.bitsPerSample() > 24) {
            throw new AudioDecodeException(Problem.UNSUPPORTED_ENCODING,
                    "Unsupported FLAC encoding: " + info.bitsPerSample() + " bits per sample", limits);
        }
        if (info.totalFrames() > limits.maxFrames(info.sampleRate(), info.channels())) {
            throw PcmAccumulator.tooLong(limits, info.sampleRate(), info.channels(), info.totalFrames());
        }
        InputStream stream = new SequenceInputStream(
                new ByteArrayInputStream(new byte[] {'f', 'L', 'a', 'C'}),
                new SequenceInputStream(new ByteArrayInputStream(info.block()),
                        new ByteArrayInputStream(data, info.audioOffset(), data.length - info.audioOffset())));
        PcmAccumulator pcm = decodeFrames(stream, info, limits);
        if (pcm.frames() < info.totalFrames()) {
            throw new AudioDecodeException(Problem.TRUNCATED, String.format(Locale.ROOT,
                    "Truncated FLAC: %d of the %d declared frames are present", pcm.frames(), info.totalFrames()),
                    limits);
        }
        if (info.totalFrames() > 0) {
            pcm.truncate(info.totalFrames());
        }
        return pcm.finish("FLAC");
    }

    /**
     * The STREAMINFO block (header included, marked as the last block) and what it declares; {@code audioOffset} is
     * where the frames start, after every metadata block. totalFrames 0 means unknown.
     */
    private record StreamInfo(byte[] block, int audioOffset, int sampleRate, int channels, int bitsPerSample,
                              long totalFrames) {

        static StreamInfo read(byte[] data, int start, DecodeLimits limits) {
            int offset = start + 4;
            byte[] block = null;
            boolean last = false;
            while (!last) {
                if (data.length - offset < BLOCK_HEADER_BYTES) {
                    throw new AudioDecodeException(Problem.TRUNCATED, "Truncated FLAC: the metadata ends early",
                            limits);
                }
                last = (data[offset] & 0x80) != 0;
                int type = data[offset] & 0x7F;
                int length = ((data[offset + 1] & 0xFF) << 16) | ((data[offset + 2] & 0xFF) << 8)
                        | (data[offset + 3] & 0xFF);
                int body = offset + BLOCK_HEADER_BYTES;
                if (length > data.length - body) {
                    throw new AudioDecodeException(Problem.TRUNCATED, String.format(Locale.ROOT,
                            "Truncated FLAC: metadata block %d declares %d bytes but only %d follow",
                            type, length, data.length - body), limits);
                }
                if (block == null && (type != 0 || length != STREAMINFO_BYTES)) {
                    throw new AudioDecodeException(Problem.MALFORMED,
                            "Wrong FLAC header: the first metadata block is not a 34-byte STREAMINFO", limits);
                }
                if (type == 0 && block == null) {
                    block = new byte[BLOCK_HEADER_BYTES + STREAMINFO_BYTES];
                    System.arraycopy(data, offset, block, 0, block.length);
                    block[0] = (byte) 0x80; // the only block passed on, so the last one
                }
                offset = body + length;
            }
            int sampleRate = ((block[14] & 0xFF) << 12) | ((block[15] & 0xFF) << 4) | ((block[16] & 0xFF) >> 4);
            int channels = ((block[16] >> 1) & 0x07) + 1;
            int bitsPerSample = (((block[16] & 0x01) << 4) | ((block[17] & 0xFF) >> 4)) + 1;
            long totalFrames = ((long) (block[17] & 0x0F) << 32) | ((block[18] & 0xFFL) << 24)
                    | ((block[19] & 0xFF) << 16) | ((block[20] & 0xFF) << 8) | (block[21] & 0xFF);
            return new StreamInfo(block, offset, sampleRate, channels, bitsPerSample, totalFrames);
        }
    }

    private static PcmAccumulator decodeFrames(InputStream stream, StreamInfo info, DecodeLimits limits) {
        FLACDecoder decoder = new FLACDecoder(stream);
        decoder.addFrameListener(new FailOnCorruptFrame(limits));
        PcmAccumulator pcm = new PcmAccumulator(info.channels(), info.sampleRate(), limits);
        float scale = 1f / (1 << (info.bitsPerSample() - 1));
        try {
            decoder.readMetadata();
            Frame frame;
            // Stop at the declared length: past it jFLAC's frame search returns without reading, and a bad header
            // there would make readNextFrame retry forever.
            while ((info.totalFrames() == 0 || pcm.frames() < info.totalFrames())
                    && (frame = decoder.readNextFrame()) != null) {
                if (frame.header.channels != info.channels() || frame.header.bitsPerSample != info.bitsPerSample()) {
                    throw new AudioDecodeException(Problem.MALFORMED,
                            "Corrupt FLAC: a frame's channels or sample size differ from the stream's", limits);
                }
                int blockSize = frame.header.blockSize;
                ChannelData[] channelData = decoder.getChannelData();
                pcm.reserve(blockSize);
                for (int c = 0; c < info.channels(); c++) {
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
        return pcm;
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
