package ai.audioldm2.random;

import ai.audioldm2.scheduler.NoiseSource;

/**
 * A bit-exact Java port of {@code torch.Generator("cpu").manual_seed(seed)} followed by
 * {@code torch.randn(shape, generator=g)} in float32 (PyTorch 2.x CPU; checked against torch 2.13 by
 * {@code TorchGeneratorTest}).
 *
 * <p>What it reproduces:
 * <ul>
 *   <li>the mt19937 stream seeded with the low 32 bits of the seed;</li>
 *   <li>for 16 or more elements ({@code normal_fill}): float uniforms from the low 24 bits of each draw,
 *       Box–Muller on blocks of 16 (cosines of pairs (u[j], u[j+8]) into slots 0–7, sines into 8–15), and,
 *       when the count is not a multiple of 16, 16 fresh uniforms overwriting the last 16 outputs;</li>
 *   <li>the float32 math of ATen's <b>AVX2</b> kernel: {@code log256_ps} and {@code sincos256_ps} from
 *       {@code avx_mathfun.h}, including the multiply-adds that GCC contracts into FMAs
 *       ({@link Math#fma(float, float, float)} here);</li>
 *   <li>for fewer than 16 elements: double-precision Box–Muller with the generator's cached second sample,
 *       which survives across calls exactly as in torch.</li>
 * </ul>
 * The AVX2 kernel is what torch runs on x86-64 CPUs with AVX2 or AVX-512, i.e. where diffusers users
 * normally create their latents. Torch's scalar kernel ({@code ATEN_CPU_CAPABILITY=default}, or builds
 * without that SIMD path such as some ARM wheels) uses libm's {@code logf/sinf/cosf} and differs in the last
 * bits for some elements; this class does not reproduce it.
 *
 * <p>Like a torch generator, an instance keeps its stream: successive {@link #fillNormal} calls continue it.
 * Not thread-safe.
 */
public final class TorchGenerator implements NoiseSource {

    private static final int BLOCK = 16;
    private static final int HALF = BLOCK / 2;
    private static final float TWO_PI = (float) (2 * Math.PI); // 6.2831855f, the constant of the AVX2 kernel
    private static final double TWO_POW_MINUS_53 = 0x1.0p-53;
    private static final float TWO_POW_MINUS_24 = 0x1.0p-24f;

    private final Mt19937 engine;
    private final float[] uniforms = new float[BLOCK];
    private final float[] normals = new float[BLOCK];
    private double cachedNormal;
    private boolean hasCachedNormal;

    /** Equivalent of {@code torch.Generator("cpu").manual_seed(seed)}; negative seeds mean seed + 2^64, as in torch. */
    public TorchGenerator(long seed) {
        this.engine = new Mt19937(seed);
    }

    /** One {@code torch.randn} call that fills all of {@code out} (contiguous, float32, mean 0, std 1). */
    @Override
    public void fillNormal(float[] out) {
        int n = out.length;
        if (n >= BLOCK) {
            fillVectorized(out, n);
        } else {
            for (int i = 0; i < n; i++) {
                out[i] = (float) nextDoubleNormal();
            }
        }
    }

    private void fillVectorized(float[] out, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = nextFloatUniform();
        }
        for (int i = 0; i + BLOCK <= n; i += BLOCK) {
            boxMuller16(out, i, out, i);
        }
        if (n % BLOCK != 0) {
            // torch draws 16 more uniforms after all n and redoes the last 16 outputs with them
            for (int j = 0; j < BLOCK; j++) {
                uniforms[j] = nextFloatUniform();
            }
            boxMuller16(uniforms, 0, normals, 0);
            System.arraycopy(normals, 0, out, n - BLOCK, BLOCK);
        }
    }

    /** ATen's {@code normal_fill_16_AVX2}: in may equal out. */
    private static void boxMuller16(float[] in, int inOffset, float[] out, int outOffset) {
        for (int j = 0; j < HALF; j++) {
            float u1 = 1.0f - in[inOffset + j];
            float u2 = in[inOffset + HALF + j];
            float radius = (float) Math.sqrt(-2.0f * AvxMath.log(u1)); // sqrt of a float is exact in double then rounded
            float theta = TWO_PI * u2;
            long sinCos = AvxMath.sinCos(theta);
            float sin = AvxMath.sinOf(sinCos);
            float cos = AvxMath.cosOf(sinCos);
            // std = 1, mean = 0: the kernel's fmadd(n, std, mean) only turns -0 into +0, kept for fidelity
            out[outOffset + j] = Math.fma(radius * cos, 1.0f, 0.0f);
            out[outOffset + HALF + j] = Math.fma(radius * sin, 1.0f, 0.0f);
        }
    }

    /** {@code at::normal_distribution<double>}: Box–Muller in double with a cached second sample. */
    private double nextDoubleNormal() {
        if (hasCachedNormal) {
            hasCachedNormal = false;
            return cachedNormal;
        }
        double u1 = nextDoubleUniform();
        double u2 = nextDoubleUniform();
        double r = StrictMath.sqrt(-2.0 * StrictMath.log1p(-u2));
        double theta = 2.0 * Math.PI * u1;
        cachedNormal = r * StrictMath.sin(theta);
        hasCachedNormal = true;
        return r * StrictMath.cos(theta);
    }

    private float nextFloatUniform() {
        return (engine.nextInt() & 0xFFFFFF) * TWO_POW_MINUS_24;
    }

    private double nextDoubleUniform() {
        long hi = Integer.toUnsignedLong(engine.nextInt());
        long lo = Integer.toUnsignedLong(engine.nextInt());
        long bits = ((hi << 32) | lo) & ((1L << 53) - 1);
        return bits * TWO_POW_MINUS_53;
    }
}
