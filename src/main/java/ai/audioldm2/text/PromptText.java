package ai.audioldm2.text;

import java.util.Optional;

/**
 * Limits on prompt text, checked before tokenising: the one rule for prompts, which the API applies as well.
 *
 * <p>{@link #MAX_CODE_POINTS} = 2000 Unicode code points (the characters of Python's len and pydantic's
 * max_length, so at most 4000 UTF-16 chars): the tokenizers read the whole text before truncating (a 1 MB prompt
 * costs 0.7 s), while the models only see the first 512 (CLAP) and 127 (T5) tokens. Unpaired UTF-16 surrogates
 * are rejected because transformers raises on them while the Rust tokenizer silently turns them into U+FFFD,
 * which would make Java and Python disagree.
 */
public final class PromptText {

    public static final int MAX_CODE_POINTS = 2000;

    private PromptText() {
    }

    /** Why the text cannot be tokenised, or empty when it can. Blank text is allowed (the default negative prompt). */
    public static Optional<String> problem(String text) {
        if (text == null) {
            return Optional.of("is missing");
        }
        int length = text.codePointCount(0, text.length());
        if (length > MAX_CODE_POINTS) {
            return Optional.of("has " + length + " characters (code points); at most " + MAX_CODE_POINTS
                    + " are allowed");
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
