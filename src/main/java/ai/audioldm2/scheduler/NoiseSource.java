package ai.audioldm2.scheduler;

/** Standard normal noise, drawn in the same order torch's generator would draw it. */
@FunctionalInterface
public interface NoiseSource {
    /** Fills {@code out} with one randn call of {@code out.length} elements. */
    void fillNormal(float[] out);
}
