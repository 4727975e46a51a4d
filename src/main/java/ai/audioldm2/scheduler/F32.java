package ai.audioldm2.scheduler;

/**
 * float32 elementary functions as torch computes them on 0-dim float tensors (correctly rounded results of
 * glibc's sqrtf/logf/expf, which evaluate in double and round once).
 */
final class F32 {

    private F32() {
    }

    static float sqrt(float x) {
        return (float) Math.sqrt(x);
    }

    static float log(float x) {
        return (float) StrictMath.log(x);
    }

    static float exp(float x) {
        return (float) StrictMath.exp(x);
    }
}
