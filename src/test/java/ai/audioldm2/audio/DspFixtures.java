package ai.audioldm2.audio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Reads the fixtures written by scripts/make_dsp_fixtures.py (index.json plus raw little-endian arrays). */
final class DspFixtures {
    private static final String ROOT = "/fixtures/dsp/";
    private static JsonNode index;

    private DspFixtures() {
    }

    static synchronized JsonNode index() {
        if (index == null) {
            try (InputStream in = stream("index.json")) {
                index = new ObjectMapper().readTree(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return index;
    }

    static byte[] bytes(String name) {
        try (InputStream in = stream(name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A float32 or float64 array described by {"file", "shape", "dtype"}, flattened, as doubles. */
    static double[] array(JsonNode descriptor) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes(descriptor.get("file").asText())).order(ByteOrder.LITTLE_ENDIAN);
        boolean isDouble = descriptor.get("dtype").asText().equals("float64");
        double[] values = new double[buffer.remaining() / (isDouble ? 8 : 4)];
        for (int i = 0; i < values.length; i++) {
            values[i] = isDouble ? buffer.getDouble() : buffer.getFloat();
        }
        return values;
    }

    static float[] floats(JsonNode descriptor) {
        double[] values = array(descriptor);
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    private static InputStream stream(String name) {
        InputStream in = DspFixtures.class.getResourceAsStream(ROOT + name);
        if (in == null) {
            throw new IllegalStateException("missing fixture " + ROOT + name
                    + " (run scripts/make_dsp_fixtures.py)");
        }
        return in;
    }

    /** The mel settings of a "mel" or "front_end" case. */
    static MelSettings melSettings(JsonNode c) {
        return new MelSettings(c.get("sr").asInt(), c.get("n_fft").asInt(), c.get("win").asInt(), c.get("hop").asInt(),
                c.get("n_mels").asInt(), c.get("fmin").asDouble(), c.get("fmax").asDouble());
    }

    /** Largest |actual - expected| with {@code expected} the row-major flattening of {@code actual}'s shape. */
    static double maxAbsDiff(float[][] actual, double[] expected) {
        if (expected.length != actual.length * actual[0].length) {
            throw new AssertionError("expected " + expected.length + " values, got " + actual.length + " x "
                    + actual[0].length);
        }
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            for (int j = 0; j < actual[i].length; j++) {
                worst = Math.max(worst, Math.abs(actual[i][j] - expected[i * actual[i].length + j]));
            }
        }
        return worst;
    }

    static double maxAbsDiff(float[] actual, double[] expected) {
        return maxAbsDiff(new float[][] {actual}, expected);
    }
}
