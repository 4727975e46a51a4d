package ai.audioldm2.jobs;

/** No job has this id (never had, removed, or not an id at all); answered 404. */
public class JobNotFoundException extends RuntimeException {
    public JobNotFoundException(String id) {
        super("no job " + id);
    }
}
