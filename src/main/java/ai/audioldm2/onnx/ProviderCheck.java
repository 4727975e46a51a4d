package ai.audioldm2.onnx;

import ai.onnxruntime.OrtEpDevice;

import java.util.List;

/**
 * Whether a provider can run in this process: the plugin devices to append it with (MIGraphX; empty for the
 * others), or, when it cannot, why.
 */
record ProviderCheck(List<OrtEpDevice> devices, String problem) {

    static ProviderCheck ready(List<OrtEpDevice> devices) {
        return new ProviderCheck(devices, null);
    }

    static ProviderCheck unavailable(String problem) {
        return new ProviderCheck(List.of(), problem);
    }
}
