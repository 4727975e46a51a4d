package ai.audioldm2.audio;

import ai.audioldm2.audio.AudioDecodeException.Problem;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VorbisSetupCheckTest {

    @Test
    void acceptsLibvorbisOutputWithinAFractionOfTheBudget() {
        byte[] setup = setupPacketOf(DspFixtures.bytes("decode/vorbis.ogg"));
        long used = VorbisSetupCheck.check(setup, 0, setup.length, DecodeLimits.DEFAULT);
        System.out.printf("vorbis setup header: codebook budget used %d of %d%n", used,
                VorbisSetupCheck.CODEBOOK_BUDGET);
        // libvorbis' default-quality books use about 2.3% of it; the budget must leave room for richer encoders
        assertTrue(used > 0 && used < VorbisSetupCheck.CODEBOOK_BUDGET / 20, "used " + used);
    }

    @Test
    void rejectsACodebookOfTwoToThe23EntriesFromAFewBytes() {
        BitWriter w = header(1);
        orderedCodebook(w, 1, 1 << 23); // ilog(1) + ilog(2^23) = 25 > 24
        expect(w.bytes(), "entries");
    }

    @Test
    void rejectsCodebooksBeyondTheBudget() {
        BitWriter w = header(9);
        for (int b = 0; b < 9; b++) {
            orderedCodebook(w, 1, 1 << 20); // each within libvorbis' bound, together 9 * 2^20 * 8 ints
        }
        expect(w.bytes(), "too large");
    }

    @Test
    void rejectsAResidueWhoseClassbookCannotHoldItsPartitions() {
        BitWriter w = header(1);
        orderedCodebook(w, 8, 256);
        w.write(0, 6); // one time-domain transform
        w.write(0, 16);
        w.write(0, 6); // one floor, type 0 using book 0
        w.write(0, 16);
        w.write(0, 8 + 16 + 16 + 6 + 8);
        w.write(0, 4);
        w.write(0, 8);
        w.write(0, 6); // one residue: 4 classifications with an 8-dimensional classbook: 4^8 > 256
        w.write(0, 16);
        w.write(0, 72);
        w.write(3, 6);
        w.write(0, 8);
        expect(w.bytes(), "classbook");
    }

    private static void expect(byte[] setup, String detail) {
        AudioDecodeException e = assertThrows(AudioDecodeException.class,
                () -> VorbisSetupCheck.check(setup, 0, setup.length, DecodeLimits.DEFAULT));
        assertEquals(Problem.MALFORMED, e.problem());
        assertTrue(e.getMessage().contains(detail), e.getMessage());
    }

    private static BitWriter header(int books) {
        BitWriter w = new BitWriter();
        w.write(5, 8);
        for (char c : "vorbis".toCharArray()) {
            w.write(c, 8);
        }
        w.write(books - 1, 8);
        return w;
    }

    /** A codebook whose lengths are all one "ordered" run: a few bytes that declare {@code entries} entries. */
    private static void orderedCodebook(BitWriter w, int dimensions, int entries) {
        w.write(0x564342, 24);
        w.write(dimensions, 16);
        w.write(entries, 24);
        w.write(1, 1); // ordered
        w.write(0, 5); // length 1
        w.write(entries, 32 - Integer.numberOfLeadingZeros(entries));
        w.write(0, 4); // no lookup
    }

    /** The third packet of the first stream: pages of the fixture concatenated, split at lacing values < 255. */
    private static byte[] setupPacketOf(byte[] ogg) {
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        int packets = 0;
        int at = 0;
        while (at + 27 <= ogg.length) {
            int segments = ogg[at + 26] & 0xFF;
            int body = at + 27 + segments;
            for (int s = 0; s < segments; s++) {
                int lacing = ogg[at + 27 + s] & 0xFF;
                if (packets == 2) {
                    packet.write(ogg, body, lacing);
                }
                body += lacing;
                if (lacing < 255 && ++packets == 3) {
                    return packet.toByteArray();
                }
            }
            at = body;
        }
        throw new IllegalStateException("no setup packet");
    }

    private static final class BitWriter {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private int current;
        private int used;

        void write(long value, int count) {
            for (int i = 0; i < count; i++) {
                current |= (int) ((value >>> i) & 1) << used;
                if (++used == 8) {
                    out.write(current);
                    current = 0;
                    used = 0;
                }
            }
        }

        byte[] bytes() {
            byte[] done = out.toByteArray();
            byte[] withTail = java.util.Arrays.copyOf(done, done.length + 1);
            withTail[done.length] = (byte) current;
            return withTail;
        }
    }
}
