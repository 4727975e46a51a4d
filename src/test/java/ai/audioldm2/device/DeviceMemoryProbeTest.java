package ai.audioldm2.device;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The GPU memory readers against a fake sysfs tree and a fake nvidia-smi: this machine has no GPU. */
class DeviceMemoryProbeTest {

    private static final long GIB = 1L << 30;

    @TempDir
    Path sys;

    private void amdCard(String name, long total, long used) throws IOException {
        Path device = Files.createDirectories(sys.resolve("class/drm").resolve(name).resolve("device"));
        Files.writeString(device.resolve("mem_info_vram_total"), total + "\n");
        Files.writeString(device.resolve("mem_info_vram_used"), used + "\n");
    }

    private List<String> fakeNvidiaSmi(String output, int exitCode) throws IOException {
        Path script = sys.resolve("nvidia-smi");
        Files.writeString(script, "#!/bin/sh\nprintf '" + output + "'\nexit " + exitCode + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return List.of(script.toString(), "--query-gpu=memory.total,memory.used", "--format=csv,noheader,nounits");
    }

    private DeviceMemoryProbe probe(List<String> nvidiaSmi) {
        return new DeviceMemoryProbe(sys, nvidiaSmi);
    }

    @Test
    void readsAmdVramFromSysfsSkippingConnectorsAndCardsWithoutVram() throws IOException {
        Files.createDirectories(sys.resolve("class/drm/card0-DP-1")); // a connector, not a card
        Files.createDirectories(sys.resolve("class/drm/card0/device")); // an integrated GPU without VRAM files
        amdCard("card1", 16 * GIB, 3 * GIB);
        amdCard("card10", 24 * GIB, 1 * GIB);
        amdCard("card2", 8 * GIB, 2 * GIB);

        DeviceMemory first = probe(List.of("false")).probe(DeviceMemoryProbe.Vendor.AMD, 0);
        assertEquals("card1", first.device());
        assertEquals(16 * GIB, first.totalBytes());
        assertEquals(13 * GIB, first.freeBytes());
        // Numeric order: card2 before card10.
        assertEquals("card2", probe(List.of("false")).probe(DeviceMemoryProbe.Vendor.AMD, 1).device());
        assertEquals("card10", probe(List.of("false")).probe(DeviceMemoryProbe.Vendor.AMD, 2).device());
    }

    @Test
    void missingAmdDeviceIsATypedError() throws IOException {
        amdCard("card0", 16 * GIB, 0);
        DeviceMemoryException e = assertThrows(DeviceMemoryException.class,
                () -> probe(List.of("false")).probe(DeviceMemoryProbe.Vendor.AMD, 1));
        assertTrue(e.getMessage().contains("no AMD GPU 1"), e.getMessage());
    }

    @Test
    void readsNvidiaSmiLinesInMib() throws IOException {
        DeviceMemoryProbe probe = probe(fakeNvidiaSmi("24576, 1024\\n8192, 8000\\n", 0));
        DeviceMemory gpu0 = probe.probe(DeviceMemoryProbe.Vendor.NVIDIA, 0);
        assertEquals(24576L * 1024 * 1024, gpu0.totalBytes());
        assertEquals(1024L * 1024 * 1024, gpu0.usedBytes());
        assertEquals(192L * 1024 * 1024, probe.probe(DeviceMemoryProbe.Vendor.NVIDIA, 1).freeBytes());
    }

    @Test
    void nvidiaSmiFailuresAreTypedErrors() throws IOException {
        assertThrows(DeviceMemoryException.class,
                () -> probe(fakeNvidiaSmi("NVIDIA-SMI has failed\\n", 9)).probe(DeviceMemoryProbe.Vendor.NVIDIA, 0));
        assertThrows(DeviceMemoryException.class,
                () -> probe(fakeNvidiaSmi("[N/A], 12\\n", 0)).probe(DeviceMemoryProbe.Vendor.NVIDIA, 0));
        assertThrows(DeviceMemoryException.class,
                () -> probe(List.of(sys.resolve("no-such-tool").toString())).probe(DeviceMemoryProbe.Vendor.NVIDIA, 0));
    }

    @Test
    void checkReportsTheShortfallWithTheNumbers() throws IOException {
        amdCard("card0", 8_000_000_000L, 5_900_000_000L);
        DeviceMemoryCheck check = new DeviceMemoryCheck(probe(List.of("false")), 6.0);
        Optional<String> shortfall = check.shortfall(Optional.of(DeviceMemoryProbe.Vendor.AMD), 0);
        assertEquals(Optional.of("insufficient device memory: need 6.0 GB, card0: 2.1 GB free of 8.0 GB (5.9 GB used)"),
                shortfall);
        assertEquals(Optional.empty(), new DeviceMemoryCheck(probe(List.of("false")), 2.0)
                .shortfall(Optional.of(DeviceMemoryProbe.Vendor.AMD), 0));
    }

    @Test
    void cpuIsNeverChecked() {
        // No sysfs tree and a command that fails: a cpu provider must not look at either.
        assertEquals(Optional.empty(), new DeviceMemoryCheck(probe(List.of("false")), 6.0).shortfall(Optional.empty(), 0));
    }
}
