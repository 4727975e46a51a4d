package ai.audioldm2.text;

import ai.audioldm2.bundle.ModelBundleException;
import ai.audioldm2.bundle.ModelConfig;
import ai.audioldm2.bundle.ModelBundle;
import ai.audioldm2.onnx.LongTensor;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The two tokenizers of AudioLDM2, from the bundle's tokenizer.json files, reproducing what diffusers' encode_prompt
 * asks of transformers:
 * <ul>
 *   <li>CLAP (RoBERTa): {@code padding="max_length", max_length=clap_max_length, truncation=True};</li>
 *   <li>T5: {@code padding=True} (longest in the batch), {@code max_length=t5_max_length, truncation=True},
 *       {@code </s>} appended;</li>
 *   <li>T5 negative prompt: {@code padding="max_length", truncation=True} to the positive prompt's T5 length.</li>
 * </ul>
 * T5 truncation is done here rather than by the Rust tokenizer, with the same rule transformers applies to one
 * sequence with one trailing special token: keep the first {@code length - 1} tokens, then {@code </s>}. One
 * instance therefore serves every length. Instances are thread-safe (the Rust tokenizer is; settings are fixed at
 * build time). Call with text accepted by {@link PromptText#problem}.
 */
public final class PromptTokenizers implements AutoCloseable {

    private final HuggingFaceTokenizer clap;
    private final HuggingFaceTokenizer t5;
    private final ModelConfig config;

    private PromptTokenizers(HuggingFaceTokenizer clap, HuggingFaceTokenizer t5, ModelConfig config) {
        this.clap = clap;
        this.t5 = t5;
        this.config = config;
    }

    public static PromptTokenizers load(ModelBundle bundle) {
        ModelConfig config = bundle.config();
        // requiredFile checks existence: DJL would silently fall back to a bare tokenizer without tokenizer.json
        HuggingFaceTokenizer clap = build(bundle.requiredFile(ModelBundle.CLAP_TOKENIZER), HuggingFaceTokenizer.builder()
                .optAddSpecialTokens(true).optTruncation(true)
                .optMaxLength(config.clapMaxLength()).optPadToMaxLength());
        try {
            HuggingFaceTokenizer t5 = build(bundle.requiredFile(ModelBundle.T5_TOKENIZER), HuggingFaceTokenizer.builder()
                    .optAddSpecialTokens(false).optTruncation(false).optPadding(false));
            return new PromptTokenizers(clap, t5, config);
        } catch (RuntimeException e) {
            clap.close();
            throw e;
        }
    }

    private static HuggingFaceTokenizer build(Path file, HuggingFaceTokenizer.Builder builder) {
        try {
            return builder.optTokenizerPath(file).build();
        } catch (IOException | RuntimeException e) {
            throw new ModelBundleException("cannot load tokenizer " + file + ": " + e.getMessage(), e);
        }
    }

    /** CLAP ids and mask, padded to clap_max_length. */
    public TokenBatch clap(List<String> texts) {
        Encoding[] encodings = clap.batchEncode(texts);
        int length = config.clapMaxLength();
        long[] ids = new long[texts.size() * length];
        long[] mask = new long[ids.length];
        for (int r = 0; r < encodings.length; r++) {
            System.arraycopy(encodings[r].getIds(), 0, ids, r * length, length);
            System.arraycopy(encodings[r].getAttentionMask(), 0, mask, r * length, length);
        }
        long[] shape = {texts.size(), length};
        return new TokenBatch(new LongTensor(ids, shape), new LongTensor(mask, shape));
    }

    /** T5 ids and mask of the positive prompts: each truncated to t5_max_length, padded to the longest. */
    public TokenBatch t5(List<String> texts) {
        long[][] content = t5Content(texts);
        int longest = 0;
        for (long[] c : content) {
            longest = Math.max(longest, Math.min(c.length + 1, config.t5MaxLength()));
        }
        return t5Batch(content, longest);
    }

    /** T5 ids and mask padded and truncated to {@code length} (the negative prompt against the positive's length). */
    public TokenBatch t5(List<String> texts, int length) {
        return t5Batch(t5Content(texts), length);
    }

    private long[][] t5Content(List<String> texts) {
        Encoding[] encodings = t5.batchEncode(texts);
        long[][] content = new long[encodings.length][];
        for (int r = 0; r < encodings.length; r++) {
            // the mask, not the id count: a padding block in tokenizer.json may still pad the batch
            long tokens = Arrays.stream(encodings[r].getAttentionMask()).sum();
            content[r] = Arrays.copyOf(encodings[r].getIds(), Math.toIntExact(tokens));
        }
        return content;
    }

    private TokenBatch t5Batch(long[][] content, int length) {
        long[] ids = new long[content.length * length];
        long[] mask = new long[ids.length];
        Arrays.fill(ids, config.t5PadId());
        for (int r = 0; r < content.length; r++) {
            int kept = Math.min(content[r].length, length - 1);
            System.arraycopy(content[r], 0, ids, r * length, kept);
            ids[r * length + kept] = config.t5EosId();
            Arrays.fill(mask, r * length, r * length + kept + 1, 1L);
        }
        long[] shape = {content.length, length};
        return new TokenBatch(new LongTensor(ids, shape), new LongTensor(mask, shape));
    }

    @Override
    public void close() {
        clap.close();
        t5.close();
    }
}
