package ai.audioldm2.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.Arrays;

/** An int64 tensor on the Java heap (token ids, attention masks, positions). */
public record LongTensor(long[] data, long[] shape) {

    public LongTensor {
        Tensors.requireHolds(shape, data.length);
    }

    public static LongTensor of(OnnxValue value) {
        OnnxTensor tensor = (OnnxTensor) value;
        LongBuffer buffer = tensor.getLongBuffer();
        long[] data = new long[buffer.remaining()];
        buffer.get(data);
        return new LongTensor(data, tensor.getInfo().getShape());
    }

    public OnnxTensor toOnnx(OrtEnvironment env) throws OrtException {
        LongBuffer b = direct(data.length);
        b.put(data).rewind();
        return OnnxTensor.createTensor(env, b, shape);
    }

    public int dim(int axis) {
        return Math.toIntExact(shape[axis]);
    }

    /** The last {@code rows} rows (under guidance the positive half of [negative, positive]). */
    public LongTensor lastRows(int rows) {
        int width = data.length / dim(0);
        long[] rowShape = shape.clone();
        rowShape[0] = rows;
        return new LongTensor(Arrays.copyOfRange(data, data.length - rows * width, data.length), rowShape);
    }

    /** Repeats every row {@code n} times (torch {@code repeat_interleave(n, dim=0)}). */
    public LongTensor repeatRows(int n) {
        long[] out = new long[data.length * n];
        Tensors.repeatRows(data, out, dim(0), n);
        return new LongTensor(out, Tensors.batchTimes(shape, n));
    }

    public static LongBuffer direct(int elements) {
        return ByteBuffer.allocateDirect(Math.multiplyExact(elements, Long.BYTES))
                .order(ByteOrder.nativeOrder()).asLongBuffer();
    }
}
