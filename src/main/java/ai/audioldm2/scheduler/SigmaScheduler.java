package ai.audioldm2.scheduler;

/** A scheduler that works in sigma space; {@link #sigmas()} mirrors diffusers' {@code scheduler.sigmas}. */
interface SigmaScheduler extends Scheduler {

    /** The float32 sigmas of this run, final sigma included (a copy). */
    float[] sigmas();
}
