package ai.audioldm2.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** One entry of a /predict/batch answer: the request's /predict answer, or its error. */
@Schema(name = "BatchSlot", oneOf = {PredictResponse.class, ItemError.class})
public sealed interface BatchSlot permits PredictResponse, ItemError {
}
