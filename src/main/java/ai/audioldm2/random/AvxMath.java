package ai.audioldm2.random;

/**
 * Scalar transcriptions of {@code log256_ps} and {@code sincos256_ps} from ATen's {@code avx_mathfun.h}
 * (the Pommier/Garberoglio AVX port of the cephes single-precision functions), operation for operation in
 * float32. Where the kernel's multiply feeds only an add, GCC ({@code -mfma}, {@code -ffp-contract=fast})
 * emits one fused multiply-add; {@link Math#fma(float, float, float)} reproduces that single rounding.
 */
final class AvxMath {

    private static final float SQRT_HALF = 0.707106781186547524f;
    private static final float[] LOG_P = {7.0376836292E-2f, -1.1514610310E-1f, 1.1676998740E-1f,
        -1.2420140846E-1f, 1.4249322787E-1f, -1.6668057665E-1f, 2.0000714765E-1f, -2.4999993993E-1f,
        3.3333331174E-1f};
    private static final float LOG_Q1 = -2.12194440e-4f;
    private static final float LOG_Q2 = 0.693359375f;
    private static final float MIN_NORM_POS = Float.intBitsToFloat(0x00800000);

    private static final float FOUR_OVER_PI = 1.27323954473516f;
    private static final float MINUS_DP1 = -0.78515625f;
    private static final float MINUS_DP2 = -2.4187564849853515625e-4f;
    private static final float MINUS_DP3 = -3.77489497744594108e-8f;
    private static final float SIN_P0 = -1.9515295891E-4f;
    private static final float SIN_P1 = 8.3321608736E-3f;
    private static final float SIN_P2 = -1.6666654611E-1f;
    private static final float COS_P0 = 2.443315711809948E-005f;
    private static final float COS_P1 = -1.388731625493765E-003f;
    private static final float COS_P2 = 4.166664568298827E-002f;
    private static final int SIGN_BIT = 0x80000000;

    private AvxMath() {
    }

    /** {@code log256_ps} for one lane. */
    static float log(float input) {
        boolean invalid = input <= 0f; // NaN compares false, as _CMP_LE_OS does
        float x = Math.max(input, MIN_NORM_POS);
        int bits = Float.floatToRawIntBits(x);
        float e = (float) ((bits >>> 23) - 127) + 1.0f;
        x = Float.intBitsToFloat((bits & ~0x7f800000) | Float.floatToRawIntBits(0.5f));
        boolean belowSqrtHalf = x < SQRT_HALF;
        float tmp = belowSqrtHalf ? x : 0f;
        x = x - 1.0f;
        e = e - (belowSqrtHalf ? 1.0f : 0f);
        x = x + tmp;
        float z = x * x;
        float y = LOG_P[0];
        for (int i = 1; i < LOG_P.length; i++) {
            y = Math.fma(y, x, LOG_P[i]);
        }
        y = y * x;
        y = Math.fma(y, z, e * LOG_Q1);
        y = Math.fma(-z, 0.5f, y);
        x = x + y;
        x = Math.fma(e, LOG_Q2, x);
        return invalid ? Float.NaN : x;
    }

    /**
     * {@code sincos256_ps} for one lane; returns the float bits of sin in the high and cos in the low 32 bits
     * (one reduction for both, no allocation).
     */
    static long sinCos(float input) {
        int signSin = Float.floatToRawIntBits(input) & SIGN_BIT;
        float x = Math.abs(input);
        int j = (int) (x * FOUR_OVER_PI);
        j = (j + 1) & ~1;
        float y = (float) j;
        int swapSignSin = (j & 4) << 29;
        boolean sinPolyForSin = (j & 2) == 0;
        x = Math.fma(y, MINUS_DP1, x);
        x = Math.fma(y, MINUS_DP2, x);
        x = Math.fma(y, MINUS_DP3, x);
        int signCos = (~(j - 2) & 4) << 29;
        signSin ^= swapSignSin;

        float z = x * x;
        float c = Math.fma(Math.fma(COS_P0, z, COS_P1), z, COS_P2);
        c = c * z;
        c = Math.fma(c, z, -(z * 0.5f));
        c = c + 1.0f;
        float s = Math.fma(Math.fma(SIN_P0, z, SIN_P1), z, SIN_P2);
        s = s * z;
        s = Math.fma(s, x, x);

        // the kernel selects with and/andnot and then adds an exact zero, which also maps -0 to +0
        float sin = (sinPolyForSin ? s : c) + 0f;
        float cos = (sinPolyForSin ? c : s) + 0f;
        int sinBits = Float.floatToRawIntBits(sin) ^ signSin;
        int cosBits = Float.floatToRawIntBits(cos) ^ signCos;
        return ((long) sinBits << 32) | Integer.toUnsignedLong(cosBits);
    }

    static float sinOf(long sinCos) {
        return Float.intBitsToFloat((int) (sinCos >>> 32));
    }

    static float cosOf(long sinCos) {
        return Float.intBitsToFloat((int) sinCos);
    }
}
