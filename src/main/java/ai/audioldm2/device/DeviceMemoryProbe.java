package ai.audioldm2.device;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reads a GPU's free memory the way each vendor exposes it: AMD's amdgpu driver through sysfs
 * ({@code class/drm/card*}{@code /device/mem_info_vram_total} and {@code mem_info_vram_used}, in bytes), NVIDIA
 * through {@code nvidia-smi} (MiB). The sysfs root and the command are parameters so the parsing can be tested
 * without a GPU.
 */
public final class DeviceMemoryProbe {

    private static final long MIB = 1024L * 1024L;
    private static final long COMMAND_TIMEOUT_SECONDS = 10;

    private final Path sysfsRoot;
    private final List<String> nvidiaSmiCommand;

    public DeviceMemoryProbe(Path sysfsRoot, List<String> nvidiaSmiCommand) {
        this.sysfsRoot = sysfsRoot;
        this.nvidiaSmiCommand = List.copyOf(nvidiaSmiCommand);
    }

    /** GPU vendors with a memory report; each execution provider names its own. */
    public enum Vendor { AMD, NVIDIA }

    /**
     * Memory of GPU {@code deviceId}: the deviceId-th card (in card-number order) that reports VRAM for AMD, the
     * deviceId-th line of nvidia-smi for NVIDIA.
     *
     * @throws DeviceMemoryException when the device or its report cannot be found or read
     */
    public DeviceMemory probe(Vendor vendor, int deviceId) {
        return vendor == Vendor.AMD ? amd(deviceId) : nvidia(deviceId);
    }

    private DeviceMemory amd(int deviceId) {
        List<Path> cards = amdCardsWithVram();
        if (deviceId >= cards.size()) {
            throw new DeviceMemoryException("no AMD GPU " + deviceId + " reporting VRAM under "
                    + sysfsRoot.resolve("class/drm") + " (found " + cards.size() + ")");
        }
        Path device = cards.get(deviceId).resolve("device");
        return new DeviceMemory(cards.get(deviceId).getFileName().toString(),
                readBytes(device.resolve("mem_info_vram_total")), readBytes(device.resolve("mem_info_vram_used")));
    }

    private List<Path> amdCardsWithVram() {
        Path drm = sysfsRoot.resolve("class/drm");
        List<Path> cards = new ArrayList<>();
        // "card*" also matches connectors such as card0-DP-1; only whole cards have a device/mem_info_vram_total.
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(drm, "card[0-9]*")) {
            for (Path entry : entries) {
                if (entry.getFileName().toString().matches("card\\d+")
                        && Files.isReadable(entry.resolve("device/mem_info_vram_total"))) {
                    cards.add(entry);
                }
            }
        } catch (IOException e) {
            throw new DeviceMemoryException("cannot list " + drm + ": " + e.getMessage());
        }
        cards.sort(Comparator.comparingInt(card -> Integer.parseInt(card.getFileName().toString().substring(4))));
        return cards;
    }

    private static long readBytes(Path file) {
        try {
            return Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).strip());
        } catch (IOException | NumberFormatException e) {
            throw new DeviceMemoryException("cannot read " + file + ": " + e.getMessage());
        }
    }

    private DeviceMemory nvidia(int deviceId) {
        List<String> lines = runNvidiaSmi();
        if (deviceId >= lines.size()) {
            throw new DeviceMemoryException("nvidia-smi lists " + lines.size() + " GPU(s), no GPU " + deviceId);
        }
        String line = lines.get(deviceId);
        String[] fields = line.split(",");
        try {
            if (fields.length != 2) {
                throw new NumberFormatException("expected 'total, used'");
            }
            return new DeviceMemory("nvidia GPU " + deviceId,
                    Long.parseLong(fields[0].strip()) * MIB, Long.parseLong(fields[1].strip()) * MIB);
        } catch (NumberFormatException e) {
            throw new DeviceMemoryException("unexpected nvidia-smi line '" + line + "': " + e.getMessage());
        }
    }

    private List<String> runNvidiaSmi() {
        try {
            Process process = new ProcessBuilder(nvidiaSmiCommand).redirectErrorStream(true).start();
            process.getOutputStream().close();
            // Its few lines fit the pipe buffer, so waiting before reading cannot deadlock, and a hung tool times out.
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new DeviceMemoryException("nvidia-smi did not finish in " + COMMAND_TIMEOUT_SECONDS + " s");
            }
            String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new DeviceMemoryException("nvidia-smi exited with " + process.exitValue() + ": " + text.strip());
            }
            return text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            throw new DeviceMemoryException("cannot run " + nvidiaSmiCommand.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeviceMemoryException("interrupted while waiting for nvidia-smi");
        }
    }
}
