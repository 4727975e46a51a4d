package ai.audioldm2.scheduler;

/**
 * diffusers {@code LMSDiscreteScheduler} (0.42.1), order 4: linear multistep over the last four derivatives,
 * with coefficients that integrate the Lagrange basis polynomials over [sigma_i, sigma_{i+1}].
 *
 * <p>diffusers integrates with {@code scipy.integrate.quad} an integrand evaluated in float32 torch arithmetic;
 * for these low-degree polynomials QUADPACK accepts its first 21-point Gauss–Kronrod estimate, which is what
 * {@link #lmsCoefficient} computes (the coefficient is then rounded to float32 when it scales the derivative).
 */
final class LmsDiscreteScheduler extends DiscreteSigmaScheduler {

    private static final int ORDER = 4;
    /** QUADPACK dqk21 abscissae (xgk) and Kronrod weights (wgk); index 10 is the centre. */
    private static final double[] XGK = {0.995657163025808080735527280689003, 0.973906528517171720077964012084452,
        0.930157491355708226001207180059508, 0.865063366688984510732096688423493, 0.780817726586416897063717578345042,
        0.679409568299024406234327365114874, 0.562757134668604683339000099272694, 0.433395394129247190799265943165784,
        0.294392862701460198131126603103866, 0.148874338981631210884826001129720, 0.0};
    private static final double[] WGK = {0.011694638867371874278064396062192, 0.032558162307964727478818972459390,
        0.054755896574351996031381300244580, 0.075039674810919952767043140916190, 0.093125454583697605535065465083366,
        0.109387158802297641899210590325805, 0.123491976262065851077958109831074, 0.134709217311473325928054001771707,
        0.142775938577060080797094273138717, 0.147739104901338491374841515972068, 0.149445554002916905664936468389821};

    /** The last derivatives, oldest first; the newest is derivatives[count - 1]. */
    private float[][] derivatives;
    private int count;
    private final float[] coefficients = new float[ORDER];
    private final StepOrder order = new StepOrder();

    LmsDiscreteScheduler(SchedulerConfig config, int numSteps) {
        super(config, numSteps, false);
    }

    @Override
    public void step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise) {
        Arrays2.requireSameLength(modelOutput, sample);
        Arrays2.checkIndex(stepIndex, timesteps.length);
        order.accept(stepIndex, "lms");
        int n = sample.length;
        if (derivatives == null || derivatives[0].length != n) {
            derivatives = new float[ORDER][n];
            count = 0;
        }
        if (count == ORDER) {
            float[] oldest = derivatives[0];
            System.arraycopy(derivatives, 1, derivatives, 0, ORDER - 1);
            derivatives[ORDER - 1] = oldest;
            count--;
        }
        float[] derivative = derivatives[count++];
        float sigma = sigmas[stepIndex];
        float vOutputScale = vOutputScale(sigma);
        float vSampleDivisor = vSampleDivisor(sigma);
        for (int i = 0; i < n; i++) {
            float x = sample[i];
            derivative[i] = (x - predictX0(modelOutput[i], x, sigma, vOutputScale, vSampleDivisor)) / sigma;
        }
        // diffusers takes the order from the step index, not from the derivatives it holds (they differ after
        // set_begin_index); zip() then uses as many terms as there are derivatives
        int currentOrder = Math.min(stepIndex + 1, ORDER);
        int terms = Math.min(currentOrder, count);
        for (int k = 0; k < terms; k++) {
            coefficients[k] = (float) lmsCoefficient(currentOrder, stepIndex, k);
        }
        for (int i = 0; i < n; i++) {
            float sum = 0f; // Python's sum() starts from 0
            for (int k = 0; k < terms; k++) {
                sum = sum + coefficients[k] * derivatives[count - 1 - k][i];
            }
            sample[i] = sample[i] + sum;
        }
    }

    /** {@code get_lms_coefficient(order, t, current_order)}: one 21-point Gauss–Kronrod sum (dqk21). */
    private double lmsCoefficient(int currentOrder, int t, int basis) {
        double a = sigmas[t];
        double b = sigmas[t + 1];
        double centre = 0.5 * (a + b);
        double halfLength = 0.5 * (b - a);
        double result = WGK[10] * lagrangeBasis(centre, currentOrder, t, basis);
        for (int j = 1; j <= 5; j++) { // Gauss points first (Fortran jtw = 2j), then the Kronrod-only points
            result = result + WGK[2 * j - 1] * pairSum(centre, halfLength * XGK[2 * j - 1], currentOrder, t, basis);
        }
        for (int j = 1; j <= 5; j++) {
            result = result + WGK[2 * j - 2] * pairSum(centre, halfLength * XGK[2 * j - 2], currentOrder, t, basis);
        }
        return result * halfLength;
    }

    private double pairSum(double centre, double offset, int currentOrder, int t, int basis) {
        return lagrangeBasis(centre - offset, currentOrder, t, basis) + lagrangeBasis(centre + offset, currentOrder, t, basis);
    }

    /** The integrand {@code lms_derivative(tau)}, evaluated like torch in float32 on 0-dim tensors. */
    private double lagrangeBasis(double tau, int currentOrder, int t, int basis) {
        float product = 1.0f;
        for (int k = 0; k < currentOrder; k++) {
            if (k == basis) {
                continue;
            }
            float factor = ((float) tau - sigmas[t - k]) / (sigmas[t - basis] - sigmas[t - k]);
            product = product * factor;
        }
        return product;
    }
}
