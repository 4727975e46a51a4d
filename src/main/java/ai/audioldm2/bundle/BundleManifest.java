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
        @JsonProperty(value = "files", required = true) Map<String, FileEntry> files,
        @JsonProperty("fast") Fast fast) {

    /** Where the weights came from. */
    public record Source(@JsonProperty("kind") String kind, @JsonProperty("id") String id,
                         @JsonProperty("revision") String revision) {
    }

    /**
     * One ONNX graph: its file, relative to the bundle, its declared inputs and outputs, and its precision (fp32,
     * fp16, or int8 for a quantised UNet; absent in older manifests). A fast graph also states its measured error
     * against its exact twin (null for exact graphs).
     */
    public record Graph(@JsonProperty(value = "file", required = true) String file,
                        @JsonProperty(value = "inputs", required = true) List<TensorSpec> inputs,
                        @JsonProperty(value = "outputs", required = true) List<TensorSpec> outputs,
                        @JsonProperty("precision") String precision,
                        @JsonProperty("error") MelError error) {

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

    /**
     * The optional fast mode (docs/BUNDLE.md): graphs that replace their exact twins of the same name, the
     * inclusive timestep window [lo, hi] in which classifier-free guidance runs (null: every step), and the whole
     * mode's measured error against exact mode.
     */
    public record Fast(@JsonProperty(value = "graphs", required = true) Map<String, Graph> graphs,
                       @JsonProperty("guidance_timesteps") List<Long> guidanceTimesteps,
                       @JsonProperty("error") MelError error) {
    }

    /**
     * Log-mel error against exact mode, relative to the exact mel's std (RMS and max of the difference); for the
     * whole mode also the same measure of a torch bf16 UNet against fp32, the quality bar it is compared with.
     */
    public record MelError(@JsonProperty("mel_rms_over_std") double melRmsOverStd,
                           @JsonProperty("mel_max_over_std") double melMaxOverStd,
                           @JsonProperty("bf16_anchor") MelError bf16Anchor) {
    }
}
