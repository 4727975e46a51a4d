package ai.audioldm2.audio;

import ai.audioldm2.audio.AudioDecodeException.Problem;

/**
 * Walks a Vorbis setup header (Vorbis I specification, section 4.2.4) up to its residues, without allocating, and
 * rejects the sizes JOrbis would allocate without bound: codebook tables ({@code entries} up to 2^24 with any
 * {@code dimensions}) and residue decode maps ({@code classifications ^ dimensions} of the classbook). The bounds
 * are libvorbis' own checks (ilog(dim) + ilog(entries) &lt;= 24, partvals &lt;= classbook entries) plus a total
 * budget on the codebook tables.
 */
final class VorbisSetupCheck {
    private static final int SETUP_HEADER_TYPE = 5;
    private static final int CODEBOOK_SYNC = 0x564342;
    /**
     * Sum over codebooks of entries * (2 * dim + 6): about the ints JOrbis keeps per codebook (lengths, quantised
     * and unquantised values, code words, decode tree). 2^23 ints is 32 MiB; libvorbis' own encoder output at its
     * default quality uses about 2.3% of it (197K, VorbisSetupCheckTest).
     */
    static final long CODEBOOK_BUDGET = 1L << 23;

    private final Bits bits;
    private final DecodeLimits limits;
    private int[] bookEntries;
    private int[] bookDimensions;

    private VorbisSetupCheck(byte[] packet, int offset, int length, DecodeLimits limits) {
        this.bits = new Bits(packet, offset, length);
        this.limits = limits;
    }

    /** Returns the codebook budget used; throws if the header is malformed or exceeds the bounds. */
    static long check(byte[] packet, int offset, int length, DecodeLimits limits) {
        return new VorbisSetupCheck(packet, offset, length, limits).run();
    }

    private long run() {
        if (bits.read(8) != SETUP_HEADER_TYPE) {
            throw malformed("the third Vorbis packet is not a setup header");
        }
        bits.skip(6 * 8); // "vorbis"
        int books = read(8) + 1;
        bookEntries = new int[books];
        bookDimensions = new int[books];
        long budget = 0;
        for (int b = 0; b < books; b++) {
            budget += codebook(b);
            if (budget > CODEBOOK_BUDGET) {
                throw malformed("its codebooks are too large");
            }
        }
        int times = read(6) + 1;
        for (int t = 0; t < times; t++) {
            if (read(16) != 0) {
                throw malformed("unknown time-domain transform");
            }
        }
        int floors = read(6) + 1;
        for (int f = 0; f < floors; f++) {
            floor();
        }
        int residues = read(6) + 1;
        for (int r = 0; r < residues; r++) {
            residue();
        }
        return budget;
    }

    private long codebook(int book) {
        if (read(24) != CODEBOOK_SYNC) {
            throw malformed("a codebook lacks its sync pattern");
        }
        int dimensions = read(16);
        int entries = read(24);
        if (dimensions < 1 || entries < 1 || ilog(dimensions) + ilog(entries) > 24) {
            throw malformed("a codebook has " + entries + " entries of " + dimensions + " dimensions");
        }
        bookEntries[book] = entries;
        bookDimensions[book] = dimensions;
        if (read(1) == 0) { // unordered code lengths, perhaps sparse
            boolean sparse = read(1) == 1;
            for (int e = 0; e < entries; e++) {
                if (!sparse || read(1) == 1) {
                    read(5);
                }
            }
        } else {
            read(5);
            for (int e = 0; e < entries; ) {
                e += read(ilog(entries - e));
                if (e > entries) {
                    throw malformed("a codebook's lengths overrun its entries");
                }
            }
        }
        int lookupType = read(4);
        if (lookupType == 1 || lookupType == 2) {
            bits.skip(64); // minimum and delta
            int valueBits = read(4) + 1;
            read(1);
            long values = lookupType == 1 ? lookup1Values(entries, dimensions) : (long) entries * dimensions;
            bits.skip(values * valueBits);
        } else if (lookupType != 0) {
            throw malformed("a codebook has lookup type " + lookupType);
        }
        return (long) entries * (2L * dimensions + 6);
    }

    private void floor() {
        int type = read(16);
        if (type == 0) {
            bits.skip(8 + 16 + 16 + 6 + 8);
            int books = read(4) + 1;
            for (int i = 0; i < books; i++) {
                bookIndex(read(8));
            }
        } else if (type == 1) {
            int partitions = read(5);
            int[] partitionClass = new int[partitions];
            int maxClass = -1;
            for (int p = 0; p < partitions; p++) {
                partitionClass[p] = read(4);
                maxClass = Math.max(maxClass, partitionClass[p]);
            }
            int[] classDimensions = new int[maxClass + 1];
            for (int c = 0; c <= maxClass; c++) {
                classDimensions[c] = read(3) + 1;
                int subclasses = read(2);
                if (subclasses != 0) {
                    bookIndex(read(8));
                }
                for (int s = 0; s < (1 << subclasses); s++) {
                    int book = read(8) - 1;
                    if (book >= 0) {
                        bookIndex(book);
                    }
                }
            }
            read(2);
            int rangeBits = read(4);
            for (int p = 0; p < partitions; p++) {
                bits.skip((long) classDimensions[partitionClass[p]] * rangeBits);
            }
        } else {
            throw malformed("floor type " + type);
        }
    }

    private void residue() {
        int type = read(16);
        if (type > 2) {
            throw malformed("residue type " + type);
        }
        bits.skip(24 + 24 + 24);
        int classifications = read(6) + 1;
        int classbook = bookIndex(read(8));
        // libvorbis (res0_unpack): classifications ^ dim of the classbook may not exceed its entries
        long partvals = 1;
        for (int d = 0; d < bookDimensions[classbook]; d++) {
            partvals *= classifications;
            if (partvals > bookEntries[classbook]) {
                throw malformed("a residue's classbook cannot encode its partitions");
            }
        }
        int[] cascade = new int[classifications];
        for (int c = 0; c < classifications; c++) {
            int low = read(3);
            int high = read(1) == 1 ? read(5) : 0;
            cascade[c] = high * 8 + low;
        }
        for (int c = 0; c < classifications; c++) {
            for (int j = 0; j < 8; j++) {
                if ((cascade[c] & (1 << j)) != 0) {
                    bookIndex(read(8));
                }
            }
        }
    }

    private int bookIndex(int book) {
        if (book >= bookEntries.length) {
            throw malformed("a reference to codebook " + book + " of " + bookEntries.length);
        }
        return book;
    }

    private int read(int count) {
        int value = bits.read(count);
        if (value < 0) {
            throw new AudioDecodeException(Problem.TRUNCATED, "Truncated Vorbis setup header", limits);
        }
        return value;
    }

    private AudioDecodeException malformed(String why) {
        return new AudioDecodeException(Problem.MALFORMED, "Corrupt Vorbis setup header: " + why, limits);
    }

    /** The largest r with r^dimensions &lt;= entries (the specification's lookup1_values). */
    private static long lookup1Values(int entries, int dimensions) {
        long r = (long) Math.floor(Math.exp(Math.log(entries) / dimensions));
        while (Math.pow(r + 1, dimensions) <= entries) {
            r++;
        }
        while (r > 0 && Math.pow(r, dimensions) > entries) {
            r--;
        }
        return r;
    }

    /** Number of bits needed for {@code value} (the specification's ilog). */
    private static int ilog(int value) {
        return 32 - Integer.numberOfLeadingZeros(Math.max(value, 0));
    }

    /** Vorbis' bit packing: least significant bit first. */
    private static final class Bits {
        private final byte[] data;
        private final long end;
        private long position;

        Bits(byte[] data, int offset, int length) {
            this.data = data;
            this.position = (long) offset * 8;
            this.end = (long) (offset + length) * 8;
        }

        /** {@code count} (0..24) bits, or -1 past the end. */
        int read(int count) {
            if (position + count > end) {
                position = end;
                return -1;
            }
            int value = 0;
            for (int i = 0; i < count; i++, position++) {
                value |= ((data[(int) (position >> 3)] >> (position & 7)) & 1) << i;
            }
            return value;
        }

        void skip(long count) {
            position = Math.min(end, position + count);
        }
    }
}
