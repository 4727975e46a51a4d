package ai.audioldm2.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Reads the arrays that numpy wrote (scripts/make_unit_fixtures.py npy) and checks every value. */
class NpyTest {

    @Test
    void readsFloat32InCOrder() {
        Npy.Array a = Npy.resource("/fixtures/npy/f4_2x3x4.npy");
        assertEquals(Npy.DType.FLOAT32, a.dtype());
        assertArrayEquals(new int[] {2, 3, 4}, a.shape());
        float[] expected = new float[24];
        for (int i = 0; i < 24; i++) {
            expected[i] = (float) (i * 0.5 - 3.0);
        }
        assertArrayEquals(expected, a.floats(), 0f);
    }

    @Test
    void readsFloat64ExactlyAndRefusesToNarrowIt() {
        Npy.Array a = Npy.resource("/fixtures/npy/f8_5.npy");
        assertArrayEquals(new int[] {5}, a.shape());
        double[] expected = new double[5];
        Arrays.setAll(expected, i -> (i + 1.0) / 3.0);
        assertArrayEquals(expected, a.doubles(), 0.0);
        assertThrows(IllegalArgumentException.class, a::floats);
    }

    @Test
    void readsIntegersAndBooleans() {
        assertArrayEquals(new long[] {0, -1, (1L << 40) + 3, -(1L << 62)}, Npy.resource("/fixtures/npy/i8_4.npy").longs());
        Npy.Array i4 = Npy.resource("/fixtures/npy/i4_2x2.npy");
        assertArrayEquals(new int[] {2, 2}, i4.shape());
        assertArrayEquals(new long[] {7, -8, Integer.MAX_VALUE, Integer.MIN_VALUE}, i4.longs());
        assertArrayEquals(new long[] {1, 0, 1}, Npy.resource("/fixtures/npy/bool_3.npy").longs());
    }

    @Test
    void readsScalarAndVersion2Header() {
        Npy.Array scalar = Npy.resource("/fixtures/npy/f4_scalar.npy");
        assertEquals(0, scalar.shape().length);
        assertArrayEquals(new float[] {2.5f}, scalar.floats(), 0f);
        Npy.Array v2 = Npy.resource("/fixtures/npy/f4_v2_3.npy");
        assertArrayEquals(new float[] {1.0f, -2.0f, 0.1f}, v2.floats(), 0f);
        assertArrayEquals(new double[] {1.0, -2.0, 0.1f}, v2.doubles(), 0.0);
    }

    @Test
    void rejectsWhatItCannotReadFaithfully() {
        IllegalArgumentException bigEndian = assertThrows(IllegalArgumentException.class,
                () -> Npy.resource("/fixtures/npy/f8_big_endian.npy"));
        assertEquals(true, bigEndian.getMessage().contains(">f8"), bigEndian.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Npy.parse("not numpy".getBytes(), "text"));
        byte[] whole = readBytes("/fixtures/npy/f4_2x3x4.npy");
        assertThrows(IllegalArgumentException.class,
                () -> Npy.parse(Arrays.copyOf(whole, whole.length - 4), "truncated"));
        assertThrows(IllegalArgumentException.class, () -> Npy.parse(Arrays.copyOf(whole, 20), "cut header"));
        assertThrows(IllegalArgumentException.class, () -> Npy.resource("/fixtures/npy/missing.npy"));
    }

    private static byte[] readBytes(String name) {
        try (var in = NpyTest.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
