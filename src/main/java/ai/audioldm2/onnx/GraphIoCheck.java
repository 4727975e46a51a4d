package ai.audioldm2.onnx;

import ai.audioldm2.bundle.ModelBundle;
import ai.audioldm2.bundle.ModelBundleException;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** Compares an opened session's inputs and outputs with what manifest.json says of its graph. */
final class GraphIoCheck {

    private GraphIoCheck() {
    }

    /** @throws ModelBundleException when they differ, or the session's cannot be read */
    static void check(ModelBundle bundle, String graph, OrtSession session) {
        try {
            bundle.checkGraphIo(graph, dtypes(session.getInputInfo()), dtypes(session.getOutputInfo()));
        } catch (OrtException e) {
            throw new ModelBundleException("cannot read the inputs of graph " + bundle.graphFile(graph) + ": "
                    + e.getMessage(), e);
        }
    }

    /** Name → element type in numpy naming (float32, int64, ...), as manifest.json writes them. */
    private static Map<String, String> dtypes(Map<String, NodeInfo> nodes) {
        Map<String, String> dtypes = new HashMap<>();
        nodes.forEach((name, node) -> dtypes.put(name, node.getInfo() instanceof TensorInfo t
                ? numpyName(t.onnxType) : node.getInfo().toString()));
        return dtypes;
    }

    private static String numpyName(TensorInfo.OnnxTensorType type) {
        return switch (type) {
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT -> "float32";
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16 -> "float16";
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16 -> "bfloat16";
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE -> "float64";
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 -> "int64";
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32 -> "int32";
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL -> "bool";
            default -> type.name().replace("ONNX_TENSOR_ELEMENT_DATA_TYPE_", "").toLowerCase(Locale.ROOT);
        };
    }
}
