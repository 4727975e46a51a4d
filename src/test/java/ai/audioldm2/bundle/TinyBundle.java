package ai.audioldm2.bundle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/** The committed tiny-random bundle (models-onnx/tiny-random, written by scripts/export_onnx.py) and copies of it. */
public final class TinyBundle {

    public static final Path DIR = Path.of("models-onnx", "tiny-random");

    private TinyBundle() {
    }

    /** A full copy in {@code target} (5 MB) that a test may damage. */
    public static Path copyTo(Path target) {
        try (Stream<Path> files = Files.walk(DIR)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path dest = target.resolve(DIR.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(source, dest, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
