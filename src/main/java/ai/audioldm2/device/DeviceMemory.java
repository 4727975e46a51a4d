package ai.audioldm2.device;

import java.util.Locale;

/**
 * Memory of one GPU as its driver reports it.
 *
 * @param device     where the numbers came from (a sysfs card or an nvidia-smi index)
 * @param totalBytes the device's memory
 * @param usedBytes  memory other processes (and we) hold now
 */
public record DeviceMemory(String device, long totalBytes, long usedBytes) {

    private static final double BYTES_PER_GB = 1e9;

    public long freeBytes() {
        return Math.max(0, totalBytes - usedBytes);
    }

    public double freeGb() {
        return freeBytes() / BYTES_PER_GB;
    }

    public String describe() {
        return String.format(Locale.ROOT, "%s: %.1f GB free of %.1f GB (%.1f GB used)",
                device, freeGb(), totalBytes / BYTES_PER_GB, usedBytes / BYTES_PER_GB);
    }
}
