package ai.audioldm2.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/** A float32 tensor on the Java heap: row-major data and its shape. */
public record FloatTensor(float[] data, long[] shape) {

    public FloatTensor {
        Tensors.requireHolds(shape, data.length);
    }

    /** Copies an ONNX Runtime output to the heap. */
    public static FloatTensor of(OnnxValue value) {
        OnnxTensor tensor = (OnnxTensor) value;
        FloatBuffer buffer = tensor.getFloatBuffer();
        float[] data = new float[buffer.remaining()];
        buffer.get(data);
        return new FloatTensor(data, tensor.getInfo().getShape());
    }

    /** A native tensor over a direct copy of the data; the caller closes it. */
    public OnnxTensor toOnnx(OrtEnvironment env) throws OrtException {
        return OnnxTensor.createTensor(env, directCopy(data), shape);
    }

    public int dim(int axis) {
        return Math.toIntExact(shape[axis]);
    }

    /** Elements per row of the leading (batch) axis. */
    public int rowSize() {
        return data.length / dim(0);
    }

    /** The last {@code rows} rows (under guidance the positive half of [negative, positive]). */
    public FloatTensor lastRows(int rows) {
        int width = data.length / dim(0);
        long[] rowShape = shape.clone();
        rowShape[0] = rows;
        return new FloatTensor(Arrays.copyOfRange(data, data.length - rows * width, data.length), rowShape);
    }

    /** Repeats every row {@code n} times (torch {@code repeat_interleave(n, dim=0)}). */
    public FloatTensor repeatRows(int n) {
        float[] out = new float[data.length * n];
        Tensors.repeatRows(data, out, dim(0), n);
        return new FloatTensor(out, Tensors.batchTimes(shape, n));
    }

    static FloatBuffer directCopy(float[] data) {
        FloatBuffer b = direct(data.length);
        b.put(data).rewind();
        return b;
    }

    /** A direct native-order buffer, which ONNX Runtime reads and writes without copying. */
    public static FloatBuffer direct(int elements) {
        return ByteBuffer.allocateDirect(Math.multiplyExact(elements, Float.BYTES))
                .order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
}
