package ai.audioldm2.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One run of one graph: collects its input tensors, runs, and closes every native tensor it created when closed,
 * on every path. Inputs it did not create (tensors of an earlier {@link OrtSession.Result}) are passed through and
 * stay the caller's to close.
 */
public final class GraphRun implements AutoCloseable {

    private final OrtEnvironment env;
    private final OrtSession session;
    private final String graph;
    private final Map<String, OnnxTensorLike> inputs = new LinkedHashMap<>();
    private final Map<String, OnnxTensor> owned = new LinkedHashMap<>();

    public GraphRun(OrtEnvironment env, OrtSession session, String graph) {
        this.env = env;
        this.session = session;
        this.graph = graph;
    }

    public GraphRun input(String name, FloatTensor tensor) {
        try {
            return own(name, tensor.toOnnx(env));
        } catch (OrtException e) {
            throw failure(e);
        }
    }

    public GraphRun input(String name, LongTensor tensor) {
        try {
            return own(name, tensor.toOnnx(env));
        } catch (OrtException e) {
            throw failure(e);
        }
    }

    /** A float input with a zero-length axis (an empty KV cache). */
    public GraphRun emptyInput(String name, long... shape) {
        try {
            return own(name, Tensors.emptyFloats(env, shape));
        } catch (OrtException e) {
            throw failure(e);
        }
    }

    /** An input owned by someone else (e.g. a present tensor of the previous run), not closed by this run. */
    public GraphRun borrowedInput(String name, OnnxValue value) {
        inputs.put(name, (OnnxTensor) value);
        return this;
    }

    private GraphRun own(String name, OnnxTensor tensor) {
        OnnxTensor previous = owned.put(name, tensor);
        if (previous != null) {
            previous.close();
        }
        inputs.put(name, tensor);
        return this;
    }

    /** Runs and returns the whole result; the caller closes it. */
    public OrtSession.Result run() {
        long start = System.nanoTime();
        try {
            return session.run(inputs);
        } catch (OrtException e) {
            throw failure(e);
        } finally {
            OrtRunClock.record(graph, System.nanoTime() - start);
        }
    }

    /** Runs writing into caller-owned output tensors (no per-run output allocation); the caller closes the result. */
    public OrtSession.Result run(Map<String, ? extends OnnxValue> pinnedOutputs) {
        long start = System.nanoTime();
        try {
            return session.run(inputs, pinnedOutputs);
        } catch (OrtException e) {
            throw failure(e);
        } finally {
            OrtRunClock.record(graph, System.nanoTime() - start);
        }
    }

    /** Runs and copies one float output to the heap. */
    public FloatTensor runFloat(String output) {
        try (OrtSession.Result result = run()) {
            return FloatTensor.of(output(result, output));
        }
    }

    /** Runs and copies two outputs, a float one and an int64 one, to the heap. */
    public Map.Entry<FloatTensor, LongTensor> runFloatAndLong(String floatOutput, String longOutput) {
        try (OrtSession.Result result = run()) {
            return Map.entry(FloatTensor.of(output(result, floatOutput)), LongTensor.of(output(result, longOutput)));
        }
    }

    /** Named output of a result; a missing one means the graph differs from the manifest. */
    public OnnxValue output(OrtSession.Result result, String name) {
        return result.get(name).orElseThrow(() -> new InferenceException(
                "graph " + graph + " produced no output '" + name + "'", null));
    }

    private InferenceException failure(OrtException e) {
        return new InferenceException("ONNX Runtime failed running graph " + graph + ": " + e.getMessage(), e);
    }

    @Override
    public void close() {
        owned.values().forEach(OnnxTensor::close);
        owned.clear();
        inputs.clear();
    }
}
