package ai.audioldm2.health;

import ai.audioldm2.onnx.RuntimeOptions;
import ai.audioldm2.jobs.PipelineFactory;
import ai.audioldm2.pipeline.AudioLdm2Pipeline;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Test-only, enabled by {@link HealthWhileLoadingTest.Gated}: holds the real bundle load back until the test
 * opens the gate, so the "loading" state can be observed for as long as the test needs.
 */
@Alternative
@ApplicationScoped
public class GatedPipelineFactory extends PipelineFactory {

    static final CountDownLatch GATE = new CountDownLatch(1);

    @Override
    public AudioLdm2Pipeline load(Path bundleDir, RuntimeOptions options) {
        try {
            if (!GATE.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never opened the load gate");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return super.load(bundleDir, options);
    }
}
