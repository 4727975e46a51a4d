package ai.audioldm2.scheduler;

/** What the UNet predicts ({@code prediction_type}). */
enum Prediction {
    EPSILON, V_PREDICTION, SAMPLE;

    static Prediction of(SchedulerConfig config) {
        return switch (config.predictionType()) {
            case "epsilon" -> EPSILON;
            case "v_prediction" -> V_PREDICTION;
            case "sample" -> SAMPLE;
            default -> throw new IllegalArgumentException("unknown prediction_type " + config.predictionType());
        };
    }
}
