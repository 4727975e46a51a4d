package ai.audioldm2.jobs;

import ai.audioldm2.pipeline.GenerationObserver;
import ai.audioldm2.pipeline.Stage;

import java.util.function.Consumer;

/** Follows one job's stages and denoising steps as {@link JobProgress}, telling {@code changed} at each change. */
final class ProgressTracker implements GenerationObserver {

    private static final double DENOISING_FROM = 0.05;
    private static final double DENOISING_TO = 0.90;

    private final Consumer<JobProgress> changed;
    private volatile JobProgress progress = JobProgress.NONE;
    private long denoisingStarted;

    ProgressTracker(Consumer<JobProgress> changed) {
        this.changed = changed;
    }

    JobProgress progress() {
        return progress;
    }

    @Override
    public void stageStarted(Stage stage) {
        if (stage == Stage.DENOISING) {
            denoisingStarted = System.nanoTime();
        }
        JobProgress last = progress;
        set(new JobProgress(stage.label(), last.step(), last.totalSteps(), startOf(stage), null));
    }

    @Override
    public void stepFinished(int step, int totalSteps) {
        double secondsPerStep = (System.nanoTime() - denoisingStarted) / 1e9 / step;
        set(new JobProgress(Stage.DENOISING.label(), step, totalSteps,
                DENOISING_FROM + (DENOISING_TO - DENOISING_FROM) * step / totalSteps,
                secondsPerStep * (totalSteps - step)));
    }

    private void set(JobProgress next) {
        progress = next;
        changed.accept(next);
    }

    /** The fraction of the whole job done when {@code stage} starts. */
    private static double startOf(Stage stage) {
        return switch (stage) {
            case TEXT_ENCODING -> 0.0;
            case LANGUAGE_MODEL -> 0.02;
            case AUDIO_ENCODING -> 0.04;
            case DENOISING -> DENOISING_FROM;
            case VAE_DECODE -> DENOISING_TO;
            case VOCODER -> 0.95;
            case RANKING -> 0.98;
        };
    }
}
