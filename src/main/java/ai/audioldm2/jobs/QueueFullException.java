package ai.audioldm2.jobs;

/** Every worker is busy and the waiting queue is at capacity; the request is refused at once. */
public class QueueFullException extends RuntimeException {
    public QueueFullException(int capacity) {
        super("the generation queue is full (" + capacity + " waiting); try again later");
    }
}
