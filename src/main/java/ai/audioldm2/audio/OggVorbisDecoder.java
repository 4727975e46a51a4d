package ai.audioldm2.audio;

import ai.audioldm2.audio.AudioDecodeException.Problem;
import com.jcraft.jogg.Packet;
import com.jcraft.jogg.Page;
import com.jcraft.jogg.StreamState;
import com.jcraft.jogg.SyncState;
import com.jcraft.jorbis.Block;
import com.jcraft.jorbis.Comment;
import com.jcraft.jorbis.DspState;
import com.jcraft.jorbis.Info;

/**
 * OGG/Vorbis through JOrbis, the first logical stream only. JOrbis sizes tables from header fields without checking
 * them, so the comment header is replaced by an empty one before JOrbis sees it, and the setup header is first
 * checked by {@link VorbisSetupCheck}.
 */
final class OggVorbisDecoder {
    private static final int HEADER_PACKETS = 3;
    private static final int COMMENT_HEADER_TYPE = 3;
    /** A comment header with an empty vendor string, no comments and the framing bit. */
    private static final byte[] EMPTY_COMMENT_HEADER = {
        COMMENT_HEADER_TYPE, 'v', 'o', 'r', 'b', 'i', 's', 0, 0, 0, 0, 0, 0, 0, 0, 1};

    private OggVorbisDecoder() {
    }

    static boolean matches(byte[] data, int at) {
        return data.length - at >= 4 && data[at] == 'O' && data[at + 1] == 'g' && data[at + 2] == 'g'
                && data[at + 3] == 'S';
    }

    static DecodedAudio decode(byte[] data, int start, DecodeLimits limits) {
        SyncState sync = new SyncState();
        sync.init();
        int length = data.length - start;
        int at = sync.buffer(length);
        System.arraycopy(data, start, sync.data, at, length);
        sync.wrote(length);

        Page page = new Page();
        Packet packet = new Packet();
        VorbisStream vorbis = new VorbisStream(limits);
        StreamState stream = null;
        boolean endOfStream = false;
        long lastGranule = -1; // the last page's granule position is the exact length in frames
        int pageResult;
        while (!endOfStream && (pageResult = sync.pageout(page)) != 0) {
            if (pageResult < 0) {
                continue; // a gap or a page with a bad checksum: resynchronised on the next page
            }
            if (stream == null) {
                stream = new StreamState();
                stream.init(page.serialno());
            }
            if (stream.pagein(page) < 0) {
                continue; // a page of another logical stream
            }
            int packetResult;
            while ((packetResult = stream.packetout(packet)) != 0) {
                if (packetResult > 0) {
                    vorbis.accept(packet);
                }
            }
            endOfStream = page.eos() != 0;
            if (vorbis.headersRead() && page.granulepos() > 0) {
                lastGranule = page.granulepos();
            }
        }
        if (!vorbis.headersRead()) {
            throw new AudioDecodeException(Problem.TRUNCATED,
                    "Truncated or malformed OGG: the Vorbis headers are incomplete", limits);
        }
        vorbis.pcm.truncate(lastGranule);
        return vorbis.pcm.finish("OGG/Vorbis");
    }

    /** The Vorbis decoder of one logical stream: three header packets, then audio packets into PCM. */
    private static final class VorbisStream {
        private final DecodeLimits limits;
        private final Info info = new Info();
        private final Comment comment = new Comment();
        private final float[][][] pcmOut = new float[1][][];
        private int headers;
        private DspState dsp;
        private Block block;
        private int[] pcmOffsets;
        private PcmAccumulator pcm;

        VorbisStream(DecodeLimits limits) {
            this.limits = limits;
            info.init();
            comment.init();
        }

        boolean headersRead() {
            return headers == HEADER_PACKETS;
        }

        void accept(Packet packet) {
            if (headersRead()) {
                audio(packet);
            } else {
                header(packet);
            }
        }

        private void header(Packet packet) {
            if (headers == 2) {
                VorbisSetupCheck.check(packet.packet_base, packet.packet, packet.bytes, limits);
            }
            Packet header = headers == 1 ? emptyComment(packet, limits) : packet;
            if (info.synthesis_headerin(comment, header) < 0) {
                throw new AudioDecodeException(Problem.MALFORMED,
                        "Wrong OGG header: not a Vorbis stream, or a corrupt Vorbis header", limits);
            }
            headers++;
            if (headers == 1) {
                AudioDecoder.checkStreamFormat("OGG/Vorbis", info.rate, info.channels, limits);
            } else if (headersRead()) {
                dsp = new DspState();
                if (dsp.synthesis_init(info) != 0) {
                    throw new AudioDecodeException(Problem.MALFORMED, "Corrupt Vorbis setup header", limits);
                }
                block = new Block(dsp);
                pcm = new PcmAccumulator(info.channels, info.rate, limits);
                pcmOffsets = new int[info.channels];
            }
        }

        private void audio(Packet packet) {
            if (block.synthesis(packet) == 0) {
                dsp.synthesis_blockin(block);
            }
            int frames;
            while ((frames = dsp.synthesis_pcmout(pcmOut, pcmOffsets)) > 0) {
                pcm.reserve(frames);
                for (int c = 0; c < info.channels; c++) {
                    float[] channel = pcmOut[0][c];
                    for (int i = 0; i < frames; i++) {
                        pcm.set(c, i, channel[pcmOffsets[c] + i]);
                    }
                }
                pcm.advance(frames);
                dsp.synthesis_read(frames);
            }
        }
    }

    private static Packet emptyComment(Packet original, DecodeLimits limits) {
        boolean isComment = original.bytes >= 7 && original.packet_base[original.packet] == COMMENT_HEADER_TYPE;
        for (int i = 1; isComment && i < 7; i++) {
            isComment = original.packet_base[original.packet + i] == EMPTY_COMMENT_HEADER[i];
        }
        if (!isComment) {
            throw new AudioDecodeException(Problem.MALFORMED,
                    "Wrong OGG header: the second Vorbis packet is not a comment header", limits);
        }
        Packet replacement = new Packet();
        replacement.packet_base = EMPTY_COMMENT_HEADER.clone();
        replacement.packet = 0;
        replacement.bytes = EMPTY_COMMENT_HEADER.length;
        replacement.granulepos = original.granulepos;
        replacement.packetno = original.packetno;
        return replacement;
    }
}
