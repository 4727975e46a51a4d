package ai.audioldm2.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;

import java.nio.FloatBuffer;

/** Shape arithmetic and the tensors that have no heap counterpart. */
public final class Tensors {

    private Tensors() {
    }

    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    static void requireHolds(long[] shape, int elements) {
        if (elementCount(shape) != elements) {
            throw new IllegalArgumentException("shape " + java.util.Arrays.toString(shape) + " does not hold "
                    + elements + " elements");
        }
    }

    /**
     * A float tensor with a zero-length axis (GPT-2's empty past at prefill). ONNX Runtime accepts it from an empty
     * buffer; building it from a Java array throws.
     */
    public static OnnxTensor emptyFloats(OrtEnvironment env, long... shape) throws OrtException {
        return OnnxTensor.createTensor(env, FloatBuffer.allocate(0), shape);
    }

    /** Copies each of {@code rows} rows of {@code src} {@code n} times into {@code dst} (arrays of one element type). */
    static void repeatRows(Object src, Object dst, int rows, int n) {
        int row = java.lang.reflect.Array.getLength(src) / rows;
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < n; k++) {
                System.arraycopy(src, r * row, dst, (r * n + k) * row, row);
            }
        }
    }

    /** The shape with its batch axis multiplied by {@code n}. */
    static long[] batchTimes(long[] shape, int n) {
        long[] s = shape.clone();
        s[0] *= n;
        return s;
    }
}
