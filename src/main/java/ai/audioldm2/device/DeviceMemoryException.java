package ai.audioldm2.device;

/** The GPU's memory could not be read. */
public class DeviceMemoryException extends RuntimeException {
    public DeviceMemoryException(String message) {
        super(message);
    }
}
