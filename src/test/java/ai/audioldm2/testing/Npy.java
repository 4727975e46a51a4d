package ai.audioldm2.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reader for NumPy {@code .npy} files (format versions 1, 2 and 3), enough for the fixtures that the Python
 * scripts write: little-endian {@code <f4}, {@code <f8}, {@code <i4}, {@code <i8} and {@code |b1}, C order.
 * Anything else is rejected with an {@link IllegalArgumentException} rather than misread.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** The element types this reader understands, keyed by their numpy descr string. */
    public enum DType {
        FLOAT32("<f4", 4), FLOAT64("<f8", 8), INT32("<i4", 4), INT64("<i8", 8), BOOL("|b1", 1);

        final String descr;
        final int size;

        DType(String descr, int size) {
            this.descr = descr;
            this.size = size;
        }

        static DType of(String descr) {
            // numpy writes bool as '|b1'; accept the equivalent '<b1'/'b1' spellings too.
            String normalized = descr.equals("<b1") || descr.equals("b1") || descr.equals("?") ? "|b1" : descr;
            for (DType t : values()) {
                if (t.descr.equals(normalized)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("unsupported npy dtype '" + descr + "' (supported: <f4, <f8, <i4, <i8, |b1)");
        }
    }

    /** One array: its element type, shape (empty for a scalar) and raw little-endian data. */
    public record Array(DType dtype, int[] shape, ByteBuffer data) {

        public int size() {
            return data.capacity() / dtype.size;
        }

        /** The data of a float32 array, exactly. */
        public float[] floats() {
            requireType(DType.FLOAT32);
            float[] out = new float[size()];
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        }

        /** The data of a float32 or float64 array, widened to double where needed. */
        public double[] doubles() {
            double[] out = new double[size()];
            ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            switch (dtype) {
                case FLOAT64 -> b.asDoubleBuffer().get(out);
                case FLOAT32 -> {
                    for (int i = 0; i < out.length; i++) {
                        out[i] = b.getFloat(i * 4);
                    }
                }
                default -> throw new IllegalArgumentException("expected a float array, got " + dtype.descr);
            }
            return out;
        }

        /** The data of an integer or bool array (bool as 0/1). */
        public long[] longs() {
            long[] out = new long[size()];
            ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            switch (dtype) {
                case INT64 -> b.asLongBuffer().get(out);
                case INT32 -> {
                    for (int i = 0; i < out.length; i++) {
                        out[i] = b.getInt(i * 4);
                    }
                }
                case BOOL -> {
                    for (int i = 0; i < out.length; i++) {
                        out[i] = b.get(i) != 0 ? 1 : 0;
                    }
                }
                default -> throw new IllegalArgumentException("expected an integer or bool array, got " + dtype.descr);
            }
            return out;
        }

        private void requireType(DType expected) {
            if (dtype != expected) {
                throw new IllegalArgumentException("expected " + expected.descr + ", got " + dtype.descr);
            }
        }

        @Override
        public String toString() {
            return "Npy.Array[" + dtype.descr + " " + Arrays.toString(shape) + "]";
        }
    }

    private Npy() {
    }

    public static Array read(Path path) {
        try {
            return parse(Files.readAllBytes(path), path.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    /** Reads a class-path resource, e.g. {@code "/fixtures/rng/seed0.npy"}. */
    public static Array resource(String name) {
        try (InputStream in = Npy.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("no such test resource: " + name);
            }
            return parse(in.readAllBytes(), name);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + name, e);
        }
    }

    public static Array parse(byte[] bytes, String source) {
        if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
            throw new IllegalArgumentException(source + ": not an .npy file (bad magic)");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int major = bytes[6] & 0xff;
        int headerLength;
        int headerStart;
        switch (major) {
            case 1 -> {
                headerLength = Short.toUnsignedInt(buf.getShort(8));
                headerStart = 10;
            }
            case 2, 3 -> {
                if (bytes.length < 12) {
                    throw new IllegalArgumentException(source + ": truncated .npy header");
                }
                long length = Integer.toUnsignedLong(buf.getInt(8));
                if (length > bytes.length) {
                    throw new IllegalArgumentException(source + ": truncated .npy header");
                }
                headerLength = (int) length;
                headerStart = 12;
            }
            default -> throw new IllegalArgumentException(source + ": unsupported .npy version " + major);
        }
        if (headerStart + headerLength > bytes.length) {
            throw new IllegalArgumentException(source + ": truncated .npy header");
        }
        String header = new String(bytes, headerStart, headerLength,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        DType dtype = DType.of(field(DESCR, header, "descr", source));
        if (field(FORTRAN, header, "fortran_order", source).equals("True")) {
            throw new IllegalArgumentException(source + ": Fortran-order arrays are not supported");
        }
        int[] shape = parseShape(field(SHAPE, header, "shape", source), source);
        long count = 1;
        for (int d : shape) {
            count *= d;
        }
        int dataStart = headerStart + headerLength;
        long dataLength = count * dtype.size;
        if (dataStart + dataLength != bytes.length) {
            throw new IllegalArgumentException(source + ": expected " + dataLength + " data bytes for shape "
                    + Arrays.toString(shape) + ", found " + (bytes.length - dataStart));
        }
        ByteBuffer data = ByteBuffer.wrap(bytes, dataStart, (int) dataLength).slice().asReadOnlyBuffer();
        return new Array(dtype, shape, data);
    }

    private static String field(Pattern pattern, String header, String name, String source) {
        Matcher m = pattern.matcher(header);
        if (!m.find()) {
            throw new IllegalArgumentException(source + ": .npy header has no '" + name + "': " + header.strip());
        }
        return m.group(1);
    }

    private static int[] parseShape(String text, String source) {
        String[] parts = text.split(",");
        return Arrays.stream(parts).map(String::strip).filter(s -> !s.isEmpty()).mapToInt(s -> {
            try {
                return Integer.parseInt(s.endsWith("L") ? s.substring(0, s.length() - 1) : s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(source + ": bad .npy shape (" + text + ")");
            }
        }).toArray();
    }
}
