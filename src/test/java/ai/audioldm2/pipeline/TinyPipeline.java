package ai.audioldm2.pipeline;

import ai.audioldm2.onnx.RuntimeOptions;
import ai.audioldm2.bundle.TinyBundle;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Resolves an {@link AudioLdm2Pipeline} parameter with one CPU pipeline on the tiny bundle, shared by the test
 * classes of a run. It lives in JUnit's root store, which closes AutoCloseable values when the run ends.
 */
final class TinyPipeline implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(TinyPipeline.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == AudioLdm2Pipeline.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).computeIfAbsent(AudioLdm2Pipeline.class,
                key -> AudioLdm2Pipeline.load(TinyBundle.DIR, RuntimeOptions.cpuDefaults()), AudioLdm2Pipeline.class);
    }
}
