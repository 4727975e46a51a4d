package ai.audioldm2.jobs;

import ai.audioldm2.onnx.RuntimeOptions;
import ai.audioldm2.pipeline.AudioLdm2Pipeline;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.file.Path;

/** Opens the model bundle. A bean of its own so tests can hold the load back and watch the "loading" state. */
@ApplicationScoped
public class PipelineFactory {

    public AudioLdm2Pipeline load(Path bundleDir, RuntimeOptions options) {
        return AudioLdm2Pipeline.load(bundleDir, options);
    }
}
