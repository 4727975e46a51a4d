package ai.audioldm2.text;

import ai.audioldm2.onnx.LongTensor;

/** Token ids and attention mask of a batch of texts, both (batch, length), as the text encoders take them. */
public record TokenBatch(LongTensor ids, LongTensor mask) {

    public int batch() {
        return ids.dim(0);
    }

    public int length() {
        return ids.dim(1);
    }
}
