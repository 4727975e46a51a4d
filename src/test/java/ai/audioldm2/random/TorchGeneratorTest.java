package ai.audioldm2.random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import ai.audioldm2.testing.Npy;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Bit-exact comparison with {@code torch.randn(shape, generator=torch.Generator("cpu").manual_seed(seed))}
 * (fixtures written by scripts/make_unit_fixtures.py rng on an AVX-512 machine, i.e. torch's AVX2 kernel).
 * Tolerance: none. Every float must have the same bits; large outputs are checked through the sha256 of the
 * whole array, and their first/last values one by one so that a failure says where it starts.
 */
class TorchGeneratorTest {

    private static final JsonNode FIXTURES = readCases();

    @TestFactory
    Stream<DynamicTest> matchesTorchBitForBit() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode testCase : FIXTURES.get("cases")) {
            tests.add(DynamicTest.dynamicTest(testCase.get("name").asText(), () -> checkCase(testCase)));
        }
        return tests.stream();
    }

    private static void checkCase(JsonNode testCase) {
        TorchGenerator generator = new TorchGenerator(testCase.get("seed").asLong());
        int index = 0;
        for (JsonNode call : testCase.get("calls")) {
            int size = 1;
            for (JsonNode dim : call.get("shape")) {
                size *= dim.asInt();
            }
            float[] actual = new float[size];
            generator.fillNormal(actual);
            String where = testCase.get("name").asText() + " call " + index++ + " " + call.get("shape");
            float[] stored = Npy.resource("/fixtures/rng/" + call.get("file").asText()).floats();
            if (call.get("whole").asBoolean()) {
                assertSameBits(stored, 0, actual, 0, size, where);
            } else {
                int excerpt = FIXTURES.get("excerpt").asInt();
                assertSameBits(stored, 0, actual, 0, excerpt, where + " head");
                assertSameBits(stored, excerpt, actual, size - excerpt, excerpt, where + " tail");
            }
            assertEquals(call.get("sha256").asText(), sha256(actual), where + ": sha256 of all values");
        }
    }

    private static void assertSameBits(float[] expected, int expectedFrom, float[] actual, int actualFrom, int length,
            String where) {
        for (int i = 0; i < length; i++) {
            float e = expected[expectedFrom + i];
            float a = actual[actualFrom + i];
            if (Float.floatToRawIntBits(e) != Float.floatToRawIntBits(a)) {
                fail(where + ": element " + (actualFrom + i) + " is " + a + " (0x" + Integer.toHexString(
                        Float.floatToRawIntBits(a)) + "), torch gives " + e + " (0x"
                        + Integer.toHexString(Float.floatToRawIntBits(e)) + ")");
            }
        }
    }

    /** The reference values of mt19937 itself, independent of torch (C++ [rand.predef], mt19937ar.c). */
    @Test
    void mersenneTwisterMatchesTheStandardReferenceOutputs() {
        Mt19937 engine = new Mt19937(5489);
        assertEquals(3499211612L, Integer.toUnsignedLong(engine.nextInt()), "first output of mt19937ar, seed 5489");
        for (int i = 2; i < 10000; i++) {
            engine.nextInt();
        }
        assertEquals(4123659995L, Integer.toUnsignedLong(engine.nextInt()), "10000th output of std::mt19937");
    }

    @Test
    void onlyTheLow32BitsOfTheSeedMatter() {
        float[] a = new float[40];
        float[] b = new float[40];
        new TorchGenerator(7).fillNormal(a);
        new TorchGenerator((1L << 32) + 7).fillNormal(b);
        assertEquals(sha256(a), sha256(b));
    }

    private static String sha256(float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.array()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode readCases() {
        try (InputStream in = TorchGeneratorTest.class.getResourceAsStream("/fixtures/rng/cases.json")) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the rng fixtures", e);
        }
    }
}
