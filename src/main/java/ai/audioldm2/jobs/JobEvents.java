package ai.audioldm2.jobs;

import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** Job views as they change on this replica, for whoever watches a job (the SSE streams). */
@ApplicationScoped
public class JobEvents {

    private final Map<String, Set<Consumer<JobView>>> watchers = new ConcurrentHashMap<>();

    /** Calls {@code watcher} with each new view of job {@code id} until the returned handle is closed. */
    public AutoCloseable watch(String id, Consumer<JobView> watcher) {
        watchers.computeIfAbsent(id, key -> ConcurrentHashMap.newKeySet()).add(watcher);
        return () -> watchers.computeIfPresent(id, (key, set) -> {
            set.remove(watcher);
            return set.isEmpty() ? null : set;
        });
    }

    void publish(JobView view) {
        Set<Consumer<JobView>> set = watchers.get(view.id());
        if (set != null) {
            set.forEach(watcher -> watcher.accept(view));
        }
    }
}
