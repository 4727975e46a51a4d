package ai.audioldm2.jobs;

import ai.audioldm2.pipeline.GenerationResult;

/**
 * A finished generation and the trace it ran under.
 *
 * @param traceId 32 hex digits, null when tracing is off
 * @param spanId  16 hex digits of the generate_audio span, null when tracing is off
 */
public record TracedResult(GenerationResult result, String traceId, String spanId) {
}
