package ai.audioldm2.device;

import java.util.Locale;
import java.util.Optional;

/** Compares a GPU's free memory with what the model needs; done once before loading on a GPU provider. */
public final class DeviceMemoryCheck {

    private final DeviceMemoryProbe probe;
    private final double requiredGb;

    public DeviceMemoryCheck(DeviceMemoryProbe probe, double requiredGb) {
        this.probe = probe;
        this.requiredGb = requiredGb;
    }

    /**
     * @param vendor whose tools report the provider's GPU, as the provider names it; empty (cpu) checks nothing
     * @return empty when there is enough memory (or there is no GPU); otherwise why the service cannot start
     * @throws DeviceMemoryException when the memory cannot be read at all
     */
    public Optional<String> shortfall(Optional<DeviceMemoryProbe.Vendor> vendor, int deviceId) {
        if (vendor.isEmpty()) {
            return Optional.empty();
        }
        DeviceMemory memory = probe.probe(vendor.get(), deviceId);
        if (memory.freeGb() >= requiredGb) {
            return Optional.empty();
        }
        return Optional.of(String.format(Locale.ROOT, "insufficient device memory: need %.1f GB, %s",
                requiredGb, memory.describe()));
    }
}
