package ai.audioldm2.audio;

import ai.audioldm2.audio.AudioDecodeException.Problem;
import javazoom.jl.decoder.Bitstream;
import javazoom.jl.decoder.BitstreamException;
import javazoom.jl.decoder.Decoder;
import javazoom.jl.decoder.DecoderException;
import javazoom.jl.decoder.Header;
import javazoom.jl.decoder.SampleBuffer;

import java.io.ByteArrayInputStream;

/**
 * MPEG-1/2/2.5 audio (layers I-III) through JLayer; leading ID3v2 tags were already skipped by the caller.
 * Gapless trimming as mpg123 does it: when the first frame is a Xing/Info frame it is not audio, and a LAME tag in
 * it gives the encoder delay and end padding; the decoder's own delay of 529 samples is removed with the former.
 */
final class Mp3Decoder {
    private static final int DECODER_DELAY = 529;
    private static final int XING_FLAGS_ALL = 0x0F;
    private static final int LAME_TAG_OFFSET = 120;
    private static final int LAME_DELAY_OFFSET = 141;

    /** Encoder delay and padding in samples, from LAME's tag; zero when the stream has none. */
    private record Gapless(boolean skipFirstFrame, int delay, int padding) {
        static final Gapless NONE = new Gapless(false, 0, 0);
    }

    private Mp3Decoder() {
    }

    /** An MPEG audio frame header: 11 sync bits, a valid version, a valid layer. */
    static boolean matches(byte[] data, int at) {
        if (data.length - at < 4) {
            return false;
        }
        int b1 = data[at + 1] & 0xFF;
        return (data[at] & 0xFF) == 0xFF && (b1 & 0xE0) == 0xE0 && (b1 & 0x18) != 0x08 && (b1 & 0x06) != 0;
    }

    static DecodedAudio decode(byte[] data, int start, DecodeLimits limits) {
        Gapless gapless = gaplessInfo(data, start);
        long leadingToDrop = gapless.delay() > 0 ? gapless.delay() + DECODER_DELAY : 0;
        long decodedFrames = 0;
        boolean firstFrame = true;
        Bitstream bitstream = new Bitstream(new ByteArrayInputStream(data, start, data.length - start));
        Decoder decoder = new Decoder();
        PcmAccumulator pcm = null;
        int sampleRate = 0;
        try {
            Header header;
            while ((header = bitstream.readFrame()) != null) {
                int channels = header.mode() == Header.SINGLE_CHANNEL ? 1 : 2;
                if (pcm == null) {
                    sampleRate = header.frequency();
                    AudioDecoder.checkStreamFormat("MP3", sampleRate, channels, limits);
                    pcm = new PcmAccumulator(channels, sampleRate, limits);
                } else if (header.frequency() != sampleRate || channels != pcm.channelCount()) {
                    throw new AudioDecodeException(Problem.MALFORMED,
                            "Corrupt MP3: the sample rate or channel count changes mid-stream", limits);
                }
                SampleBuffer output = (SampleBuffer) decoder.decodeFrame(header, bitstream);
                bitstream.closeFrame();
                if (firstFrame && gapless.skipFirstFrame()) {
                    firstFrame = false;
                    continue;
                }
                firstFrame = false;
                short[] interleaved = output.getBuffer();
                int frames = output.getBufferLength() / channels;
                decodedFrames += frames;
                int skip = (int) Math.min(frames, leadingToDrop);
                leadingToDrop -= skip;
                pcm.reserve(frames - skip);
                for (int i = skip; i < frames; i++) {
                    for (int c = 0; c < channels; c++) {
                        pcm.set(c, i - skip, interleaved[i * channels + c] / 32768f);
                    }
                }
                pcm.advance(frames - skip);
            }
        } catch (BitstreamException | DecoderException e) {
            throw new AudioDecodeException(Problem.MALFORMED, "Corrupt MP3 stream: " + e.getMessage(), limits, e);
        }
        if (pcm == null) {
            throw new AudioDecodeException(Problem.MALFORMED, "Wrong MP3 header: no decodable MPEG audio frame",
                    limits);
        }
        if (gapless.delay() > 0 || gapless.padding() > 0) {
            pcm.truncate(decodedFrames - gapless.delay() - gapless.padding());
        }
        return pcm.finish("MP3");
    }

    /** Reads the Xing/Info frame and LAME tag that LAME (and ffmpeg) put first, if any. */
    private static Gapless gaplessInfo(byte[] data, int frame) {
        int versionBits = (data[frame + 1] >> 3) & 0x03;
        boolean mpeg1 = versionBits == 3;
        boolean layer3 = ((data[frame + 1] >> 1) & 0x03) == 1;
        boolean hasCrc = (data[frame + 1] & 0x01) == 0;
        boolean mono = ((data[frame + 3] >> 6) & 0x03) == 3;
        if (!layer3) {
            return Gapless.NONE;
        }
        int sideInfo = mpeg1 ? (mono ? 17 : 32) : (mono ? 9 : 17);
        int xing = frame + 4 + (hasCrc ? 2 : 0) + sideInfo;
        if (data.length - xing < 8 || !(ascii(data, xing, "Xing") || ascii(data, xing, "Info"))) {
            return Gapless.NONE;
        }
        int flags = data[xing + 7] & 0xFF;
        int delayAt = xing + LAME_DELAY_OFFSET;
        if (flags != XING_FLAGS_ALL || data.length - delayAt < 3 || !(ascii(data, xing + LAME_TAG_OFFSET, "LAME")
                || ascii(data, xing + LAME_TAG_OFFSET, "Lavc") || ascii(data, xing + LAME_TAG_OFFSET, "Lavf"))) {
            return new Gapless(true, 0, 0);
        }
        int delay = ((data[delayAt] & 0xFF) << 4) | ((data[delayAt + 1] & 0xFF) >> 4);
        int padding = ((data[delayAt + 1] & 0x0F) << 8) | (data[delayAt + 2] & 0xFF);
        return new Gapless(true, delay, padding);
    }

    private static boolean ascii(byte[] data, int at, String text) {
        if (data.length - at < text.length()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (data[at + i] != text.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
