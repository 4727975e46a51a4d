package ai.audioldm2.scheduler;

/** Scheduler configurations the tests build schedulers from. */
final class SchedulerConfigs {

    /** The checkpoint configuration of cvssp/audioldm2 (and -large, -music): a DDIMScheduler config. */
    static final SchedulerConfig AUDIOLDM2 =
            new SchedulerConfig(1000, 0.0015, 0.0195, "scaled_linear", null, 1, "leading", "epsilon", false, false, 1.0);

    private SchedulerConfigs() {
    }
}
