package ai.audioldm2.bundle;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/**
 * The parts of {@code manifest.json} (docs/BUNDLE.md) that the runtime reads. Unknown fields are ignored so that the
 * exporter can add information without breaking older runtimes; the fields below are required.
 */
public record BundleManifest(
        @JsonProperty(value = "format_version", required = true) int formatVersion,
        @JsonProperty(value = "name", required = true) String name,
        @JsonProperty(value = "source", required = true) Source source,
        @JsonProperty(value = "precision", required = true) String precision,
        @JsonProperty(value = "config", required = true) ModelConfig config,
        @JsonProperty(value = "graphs", required = true) Map<String, Graph> graphs,
        @JsonProperty(value = "files", required = true) Map<String, FileEntry> files) {

    /** Where the weights came from. */
    public record Source(@JsonProperty("kind") String kind, @JsonProperty("id") String id,
                         @JsonProperty("revision") String revision) {
    }

    /**
     * One ONNX graph: its file, relative to the bundle, its declared inputs and outputs, and its precision (fp32,
     * fp16, or int8 for a quantised UNet; absent in older manifests).
     */
    public record Graph(@JsonProperty(value = "file", required = true) String file,
                        @JsonProperty(value = "inputs", required = true) List<TensorSpec> inputs,
                        @JsonProperty(value = "outputs", required = true) List<TensorSpec> outputs,
                        @JsonProperty("precision") String precision) {

        public boolean quantized() {
            return "int8".equals(precision);
        }
    }

    /** A graph input or output; the shape is not read because dynamic axes are named freely by the exporter. */
    public record TensorSpec(@JsonProperty(value = "name", required = true) String name,
                             @JsonProperty("dtype") String dtype) {
    }

    /** Expected size and digest of one file of the bundle. */
    public record FileEntry(@JsonProperty(value = "sha256", required = true) String sha256,
                            @JsonProperty(value = "bytes", required = true) long bytes) {
    }
}
