package ai.audioldm2.audio;

import ai.audioldm2.audio.AudioDecodeException.Problem;
import javazoom.jl.decoder.Bitstream;
import javazoom.jl.decoder.BitstreamException;
import javazoom.jl.decoder.Decoder;
import javazoom.jl.decoder.DecoderException;
import javazoom.jl.decoder.Header;
import javazoom.jl.decoder.SampleBuffer;

import java.io.ByteArrayInputStream;

/** MPEG-1/2/2.5 audio (layers I-III) through JLayer; leading ID3v2 tags were already skipped by the caller. */
final class Mp3Decoder {

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
                short[] interleaved = output.getBuffer();
                int frames = output.getBufferLength() / channels;
                pcm.reserve(frames);
                for (int i = 0; i < frames; i++) {
                    for (int c = 0; c < channels; c++) {
                        pcm.set(c, i, interleaved[i * channels + c] / 32768f);
                    }
                }
                pcm.advance(frames);
                bitstream.closeFrame();
            }
        } catch (BitstreamException | DecoderException e) {
            throw new AudioDecodeException(Problem.MALFORMED, "Corrupt MP3 stream: " + e.getMessage(), limits, e);
        }
        if (pcm == null) {
            throw new AudioDecodeException(Problem.MALFORMED, "Wrong MP3 header: no decodable MPEG audio frame",
                    limits);
        }
        return pcm.finish("MP3");
    }
}
