package ai.audioldm2.text;

import java.util.Optional;

/**
 * Limits on prompt text, checked before tokenising.
 *
 * <p>{@link #MAX_CHARS} = 4000: the tokenizers read the whole text before truncating (a 1 MB prompt costs 0.7 s), while
 * the models only see the first 512 (CLAP) and 127 (T5) tokens, which no English prompt needs more than about 3000
 * characters to fill. Unpaired UTF-16 surrogates are rejected because transformers raises on them while the Rust
 * tokenizer silently turns them into U+FFFD, which would make Java and Python disagree.
 */
public final class PromptText {

    public static final int MAX_CHARS = 4000;

    private PromptText() {
    }

    /** Why the text cannot be tokenised, or empty when it can. Blank text is allowed (the default negative prompt). */
    public static Optional<String> problem(String text) {
        if (text == null) {
            return Optional.of("is missing");
        }
        if (text.length() > MAX_CHARS) {
            return Optional.of("has " + text.length() + " characters; at most " + MAX_CHARS + " are allowed");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return Optional.of("contains an unpaired UTF-16 surrogate at index " + i);
            }
        }
        return Optional.empty();
    }
}
