package ai.audioldm2.pipeline;

import java.util.List;

/**
 * What a loaded pipeline serves.
 *
 * @param name               bundle name from manifest.json
 * @param sourceId           checkpoint the bundle was exported from
 * @param precision          the bundle's: fp32, fp16, int8-unet or int8-unet-conv
 * @param sampleRate         samples per second of the output
 * @param minDurationSeconds shortest duration the bundle can represent (one latent frame)
 * @param schedulers         scheduler names accepted in requests
 * @param executionProvider  provider the sessions run on (cpu after a fallback)
 * @param modes              the modes requests may ask for (exact; fast when its graphs are loaded)
 */
public record ModelInfo(String name, String sourceId, String precision, int sampleRate,
                        double minDurationSeconds, List<String> schedulers, String executionProvider,
                        List<String> modes) {
}
