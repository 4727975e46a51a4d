package ai.audioldm2.health;

/** The GPU's memory could not be read. */
public class DeviceMemoryException extends RuntimeException {
    public DeviceMemoryException(String message) {
        super(message);
    }
}
