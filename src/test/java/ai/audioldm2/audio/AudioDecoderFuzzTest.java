package ai.audioldm2.audio;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Mutated WAV, FLAC, OGG and MP3 files (seeded, so every run feeds the same inputs): bit flips, truncation,
 * corrupted header fields, random chunk and metadata-block sizes, overwritten and inserted bytes. The decoder must
 * return audio or throw {@link AudioDecodeException}, nothing else, must finish, and must allocate no more than the
 * limits allow.
 */
class AudioDecoderFuzzTest {
    private static final long SEED = 20261125L;
    private static final int WAV_MUTANTS = 1600;
    private static final int FLAC_MUTANTS = 1600;
    private static final int OGG_MUTANTS = 300;
    private static final int MP3_MUTANTS = 300;
    /** Small budgets, so that a decoder that honours them is told apart from one that does not. */
    private static final DecodeLimits LIMITS = new DecodeLimits(1L << 20, 30.0, 1_000, 384_000, 8, 1L << 20);
    /**
     * Bytes one decode may allocate in total (garbage included): the PCM accumulator's doublings and final copy
     * (under 3 x 4 bytes per allowed sample), JOrbis' copy of the input, and the decoders' per-frame buffers, which
     * the fixtures' at most ~100 frames each keep to a few MiB. A decoder that sizes a buffer from a corrupt header
     * field (up to 2^32 bytes) exceeds this at once.
     */
    private static final long ALLOCATION_BOUND = 3 * 4 * LIMITS.maxDecodedSamples() + 4 * LIMITS.maxBytes() + (32L << 20);
    /** Not a performance assertion: a decode that takes this long is stuck in a loop. */
    private static final Duration HANG = Duration.ofSeconds(20);

    private static final int[] INTERESTING = {0, 1, 2, 8, 9, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFFFFFF, 0x80000000,
        0xFFFFFFFF, 0xFFFFFFFE, 16000, 384_001, 999};

    @Test
    void mutatedFilesOnlyEverFailWithAudioDecodeException() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Random random = new Random(SEED);
        Map<String, Integer> outcomes = new TreeMap<>();
        long[] worstAllocation = {0};
        run("WAV", List.of("pcm_u8.wav", "pcm_16.wav", "pcm_24.wav", "pcm_32.wav", "float_32.wav", "float_64.wav",
                "extensible_pcm_16.wav", "extensible_float_32.wav"), WAV_MUTANTS, random, threads, outcomes,
                worstAllocation);
        run("FLAC", List.of("flac_16.flac", "flac_24.flac", "flac_8ch.flac"), FLAC_MUTANTS, random, threads,
                outcomes, worstAllocation);
        run("OGG", List.of("vorbis.ogg"), OGG_MUTANTS, random, threads, outcomes, worstAllocation);
        run("MP3", List.of("mpeg_layer3.mp3", "mpeg_layer3_mono.mp3"), MP3_MUTANTS, random, threads, outcomes,
                worstAllocation);
        System.out.printf("fuzz outcomes: %s; most allocated by one decode: %.1f MiB (bound %.0f MiB)%n",
                outcomes, worstAllocation[0] / 1048576.0, ALLOCATION_BOUND / 1048576.0);
    }

    private static void run(String format, List<String> seeds, int count, Random random,
                            com.sun.management.ThreadMXBean threads, Map<String, Integer> outcomes,
                            long[] worstAllocation) {
        List<byte[]> originals = seeds.stream().map(name -> DspFixtures.bytes("decode/" + name)).toList();
        for (int n = 0; n < count; n++) {
            int seedIndex = random.nextInt(originals.size());
            StringBuilder description = new StringBuilder(format + " #" + n + " from " + seeds.get(seedIndex) + ":");
            byte[] mutant = mutate(originals.get(seedIndex), random, description);
            if (format.equals("OGG") && random.nextBoolean()) {
                fixOggChecksums(mutant); // so that the damage reaches JOrbis instead of failing the page CRC
                description.append(" page CRCs fixed;");
            }
            String outcome = assertTimeoutPreemptively(HANG, () -> {
                long before = threads.getCurrentThreadAllocatedBytes();
                String result;
                try {
                    AudioDecoder.decode(mutant, LIMITS);
                    result = format + " decoded";
                } catch (AudioDecodeException e) {
                    result = format + " " + e.problem();
                } catch (Throwable e) {
                    fail(description + " threw " + e, e);
                    return null;
                }
                long allocated = threads.getCurrentThreadAllocatedBytes() - before;
                worstAllocation[0] = Math.max(worstAllocation[0], allocated);
                assertTrue(allocated <= ALLOCATION_BOUND, description + " allocated " + allocated + " bytes");
                return result;
            }, description::toString);
            outcomes.merge(outcome, 1, Integer::sum);
        }
    }

    /** One or two mutations of a copy of {@code original}. */
    private static byte[] mutate(byte[] original, Random random, StringBuilder description) {
        byte[] data = original.clone();
        int mutations = 1 + random.nextInt(2);
        for (int m = 0; m < mutations && data.length > 0; m++) {
            switch (random.nextInt(7)) {
                case 0 -> { // bit flips anywhere
                    int flips = 1 + random.nextInt(8);
                    for (int i = 0; i < flips; i++) {
                        data[random.nextInt(data.length)] ^= (byte) (1 << random.nextInt(8));
                    }
                    description.append(" flip ").append(flips).append(" bits;");
                }
                case 1 -> { // bit flips in the header region
                    int at = random.nextInt(Math.min(data.length, 96));
                    data[at] ^= (byte) (1 << random.nextInt(8));
                    description.append(" header bit flip at ").append(at).append(';');
                }
                case 2 -> {
                    int length = random.nextInt(data.length);
                    data = Arrays.copyOf(data, length);
                    description.append(" truncate to ").append(length).append(';');
                }
                case 3 -> { // a 16- or 32-bit little-endian header field set to an edge value
                    int at = random.nextInt(Math.min(data.length, 96));
                    int value = INTERESTING[random.nextInt(INTERESTING.length)];
                    int width = random.nextBoolean() ? 2 : 4;
                    for (int i = 0; i < width && at + i < data.length; i++) {
                        data[at + i] = (byte) (value >>> (8 * i));
                    }
                    description.append(" field at ").append(at).append(" = ").append(Integer.toUnsignedString(value))
                            .append(';');
                }
                case 4 -> {
                    int at = setRandomBlockSize(data, random);
                    description.append(" block/chunk size at ").append(at).append(';');
                }
                case 5 -> { // a run of random bytes
                    int at = random.nextInt(data.length);
                    int length = Math.min(1 + random.nextInt(64), data.length - at);
                    for (int i = 0; i < length; i++) {
                        data[at + i] = (byte) random.nextInt(256);
                    }
                    description.append(" overwrite ").append(length).append(" at ").append(at).append(';');
                }
                default -> { // random bytes inserted
                    int at = random.nextInt(data.length + 1);
                    byte[] inserted = new byte[1 + random.nextInt(32)];
                    random.nextBytes(inserted);
                    byte[] grown = new byte[data.length + inserted.length];
                    System.arraycopy(data, 0, grown, 0, at);
                    System.arraycopy(inserted, 0, grown, at, inserted.length);
                    System.arraycopy(data, at, grown, at + inserted.length, data.length - at);
                    data = grown;
                    description.append(" insert ").append(inserted.length).append(" at ").append(at).append(';');
                }
            }
        }
        return data;
    }

    /** Recomputes the CRC of every page whose header and lacing are intact enough to be found. */
    private static void fixOggChecksums(byte[] data) {
        int at = 0;
        while (at + 27 <= data.length && data[at] == 'O' && data[at + 1] == 'g' && data[at + 2] == 'g'
                && data[at + 3] == 'S') {
            int segments = data[at + 26] & 0xFF;
            if (at + 27 + segments > data.length) {
                return;
            }
            int end = at + 27 + segments;
            for (int s = 0; s < segments; s++) {
                end += data[at + 27 + s] & 0xFF;
            }
            if (end > data.length) {
                return;
            }
            Arrays.fill(data, at + 22, at + 26, (byte) 0);
            int crc = 0;
            for (int i = at; i < end; i++) { // Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, initial 0
                crc ^= (data[i] & 0xFF) << 24;
                for (int bit = 0; bit < 8; bit++) {
                    crc = (crc & 0x80000000) != 0 ? (crc << 1) ^ 0x04C11DB7 : crc << 1;
                }
            }
            for (int i = 0; i < 4; i++) {
                data[at + 22 + i] = (byte) (crc >>> (8 * i));
            }
            at = end;
        }
    }

    /**
     * Sets the size field of a random RIFF chunk (WAV) or FLAC metadata block to a random value; elsewhere, a random
     * 32-bit word. Returns the offset of the field.
     */
    private static int setRandomBlockSize(byte[] data, Random random) {
        List<Integer> sizeFields = new java.util.ArrayList<>();
        if (data.length >= 12 && data[0] == 'R' && data[8] == 'W') {
            long at = 12;
            while (at + 8 <= data.length) {
                sizeFields.add((int) at + 4);
                long size = (data[(int) at + 4] & 0xFFL) | (data[(int) at + 5] & 0xFFL) << 8
                        | (data[(int) at + 6] & 0xFFL) << 16 | (data[(int) at + 7] & 0xFFL) << 24;
                at += 8 + size + (size & 1);
            }
        } else if (data.length >= 8 && data[0] == 'f' && data[1] == 'L') {
            int at = 4;
            boolean last = false;
            while (!last && at + 4 <= data.length) {
                sizeFields.add(at + 1);
                last = (data[at] & 0x80) != 0;
                at += 4 + ((data[at + 1] & 0xFF) << 16 | (data[at + 2] & 0xFF) << 8 | (data[at + 3] & 0xFF));
            }
        }
        int at = sizeFields.isEmpty() ? random.nextInt(Math.max(1, data.length - 3))
                : sizeFields.get(random.nextInt(sizeFields.size()));
        int value = random.nextBoolean() ? INTERESTING[random.nextInt(INTERESTING.length)] : random.nextInt();
        int width = sizeFields.isEmpty() || data[0] == 'R' ? 4 : 3;
        for (int i = 0; i < width && at + i < data.length; i++) {
            data[at + i] = (byte) (value >>> (8 * (width == 3 ? 2 - i : i)));
        }
        return at;
    }
}
