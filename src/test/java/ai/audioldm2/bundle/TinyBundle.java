package ai.audioldm2.bundle;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

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

    /**
     * A copy in {@code target} whose manifest's "fast" block is {@code fast} (null: none). {@link #fp32Fast} makes
     * one whose fast UNet is the exact unet.onnx, so that fast mode differs from exact by the guidance interval
     * alone, until the committed bundle carries real fast graphs.
     */
    public static Path copyWithFast(Path target, ObjectNode fast) {
        copyTo(target);
        Path manifest = target.resolve(ModelBundle.MANIFEST);
        try {
            ObjectNode json = (ObjectNode) JSON.readTree(manifest.toFile());
            json.remove("fast");
            if (fast != null) {
                json.set("fast", fast);
            }
            JSON.writerWithDefaultPrettyPrinter().writeValue(manifest.toFile(), json);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fast block whose UNet is the exact fp32 unet.onnx, guided on timesteps [lo, hi]. */
    public static ObjectNode fp32Fast(long lo, long hi) {
        try {
            ObjectNode unet = ((ObjectNode) JSON.readTree(DIR.resolve(ModelBundle.MANIFEST).toFile())
                    .get("graphs").get("unet")).deepCopy();
            ObjectNode fast = JSON.createObjectNode();
            fast.putObject("graphs").set("unet", unet.put("method", "the exact graph (test fixture)"));
            fast.putArray("guidance_timesteps").add(lo).add(hi);
            return fast;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
}
