package ai.audioldm2.onnx;

import ai.audioldm2.device.DeviceMemoryProbe;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What each provider constant owns beyond its name: here, whose tools report its GPU memory. */
class ExecutionProviderTest {

    /** Moved from DeviceMemoryProbeTest with DeviceMemoryProbe.vendorOf, which took any unknown name for NVIDIA. */
    @Test
    void providersMapToTheirVendors() {
        assertEquals(Optional.of(DeviceMemoryProbe.Vendor.AMD), ExecutionProvider.parse("MIGraphX").memoryVendor());
        assertEquals(Optional.of(DeviceMemoryProbe.Vendor.AMD), ExecutionProvider.parse("rocm").memoryVendor());
        assertEquals(Optional.of(DeviceMemoryProbe.Vendor.NVIDIA), ExecutionProvider.parse("cuda").memoryVendor());
        assertEquals(Optional.empty(), ExecutionProvider.parse("cpu").memoryVendor());
    }
}
