package ai.audioldm2.jobs;

import io.agroal.api.AgroalDataSource;
import io.quarkus.agroal.DataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store's claims, leases and clean-up on the embedded H2. The model never loads in this profile, so the
 * {@link JobRunner} claims nothing and the test has the store to itself.
 */
@QuarkusTest
@TestProfile(JdbcJobStoreTest.NoModel.class)
class JdbcJobStoreTest {

    public static class NoModel implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("audioldm2.model-dir", "target/no-such-bundle");
        }
    }

    private static final NewJob JOB = new NewJob("{\"prompt\": \"x\"}", "{\"prompt\": \"x\"}", null);

    @Inject
    JobStore store;

    @Inject
    @DataSource(JobStoreSelection.EMBEDDED)
    AgroalDataSource embedded;

    @BeforeEach
    void empty() {
        store.requeueRunning(null);
        store.list(null, 1000).forEach(job -> {
            store.cancel(job.id());
            store.delete(job.id());
        });
    }

    /** Attempts, 100 ms apart, that the flush above gets before the store must answer again. */
    private static final int ATTEMPTS = 150;

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String insert() {
        return store.insert(UUID.randomUUID().toString(), JOB, 1000).id();
    }

    private static Instant in(int seconds) {
        return Instant.now().plusSeconds(seconds);
    }

    /**
     * H2 closes the database when a write fails (the disk full: the reliability suite's full tmpfs), and the pooled
     * connections then answered "The database has been closed" forever, also once there was room again: every
     * /jobs request was 503 until a restart. SHUTDOWN IMMEDIATELY closes it the same way (no session is closed).
     */
    @Test
    void aDatabaseClosedUnderThePoolIsOpenedAgain() throws SQLException {
        String before = insert();
        try (Connection connection = embedded.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("SHUTDOWN IMMEDIATELY");
        } catch (SQLException closedWhileClosing) {
            // the connection it ran on is gone with the database
        }
        // the pool closes the dead connections on its own thread (agroal's flush), so the store may answer
        // unavailable a few times first; the old code never opened again, however often it was asked
        boolean opened = false;
        for (int attempt = 0; attempt < ATTEMPTS && !opened; attempt++) {
            try {
                store.counts();
                opened = true;
            } catch (StoreUnavailableException e) {
                pause();
            }
        }
        assertTrue(opened, "the store never opened again (" + ATTEMPTS + " attempts)");
        assertTrue(store.find(before).isPresent(), "a committed job was lost");
        assertEquals(JobStatus.QUEUED, store.find(insert()).orElseThrow().status());
    }

    @Test
    void claimsTheOldestQueuedJobOnce() {
        String first = insert();
        String second = insert();
        assertEquals(List.of(second, first), store.list(null, 10).stream().map(StoredJob::id).toList());
        StoredJob claimed = store.claim("a", in(30)).orElseThrow();
        assertEquals(first, claimed.id());
        assertEquals(JobStatus.RUNNING, claimed.status());
        assertTrue(claimed.startedAt() != null);
        assertEquals(second, store.claim("b", in(30)).orElseThrow().id());
        assertTrue(store.claim("c", in(30)).isEmpty());
        assertEquals(2L, store.counts().get(JobStatus.RUNNING));
    }

    @Test
    void anExpiredLeaseIsTakenOverAndItsOldOwnerLosesTheJob() {
        String id = insert();
        store.claim("dead", Instant.now().minusSeconds(1));
        StoredJob taken = store.claim("alive", in(30)).orElseThrow();
        assertEquals(id, taken.id());
        assertFalse(store.renew(id, "dead", in(30), null));
        assertFalse(store.succeed(id, "dead", null, "{}", List.of(new byte[] {1})));
        assertTrue(store.renew(id, "alive", in(30), "{\"stage\": \"denoising\"}"));
        assertTrue(store.claim("third", in(30)).isEmpty()); // a live lease is not taken
    }

    @Test
    void aSucceededJobKeepsItsAudioUntilRemoved() {
        String id = insert();
        store.claim("a", in(30));
        byte[] best = {1, 2, 3};
        byte[] other = {4, 5};
        assertTrue(store.succeed(id, "a", null, "{\"seed\": 1}", List.of(best, other)));
        StoredJob done = store.find(id).orElseThrow();
        assertEquals(JobStatus.SUCCEEDED, done.status());
        assertEquals("{\"seed\": 1}", done.result());
        assertArrayEquals(best, store.audio(id, 0).orElseThrow());
        assertArrayEquals(other, store.audio(id, 1).orElseThrow());
        assertTrue(store.audio(id, 2).isEmpty());
        assertFalse(store.cancel(id));
        assertTrue(store.delete(id));
        assertTrue(store.find(id).isEmpty());
        assertTrue(store.audio(id, 0).isEmpty());
    }

    @Test
    void queuedAndRunningJobsAreCancelledNotRemoved() {
        String queued = insert();
        String running = insert();
        store.claim("a", in(30));
        assertFalse(store.delete(queued));
        assertTrue(store.cancel(queued));
        assertTrue(store.cancel(running));
        assertFalse(store.renew(running, "a", in(30), null)); // its worker learns it at the next renewal
        assertEquals(JobStatus.CANCELLED, store.find(running).orElseThrow().status());
    }

    @Test
    void onlyTheNamedOwnersRunningJobsGoBackToTheQueue() {
        String mine = insert();
        String theirs = insert();
        store.claim("me", in(30));
        store.claim("them", in(30));
        assertEquals(1, store.requeueRunning("me"));
        assertEquals(JobStatus.QUEUED, store.find(mine).orElseThrow().status());
        assertEquals(JobStatus.RUNNING, store.find(theirs).orElseThrow().status());
    }

    @Test
    void refusesPastMaxQueued() {
        store.insert(UUID.randomUUID().toString(), JOB, 2);
        store.insert(UUID.randomUUID().toString(), JOB, 2);
        assertThrows(QueueFullException.class, () -> store.insert(UUID.randomUUID().toString(), JOB, 2));
        assertEquals(2L, store.counts().get(JobStatus.QUEUED));
    }

    @Test
    void pruneRemovesTheOldestFinishedJobsPastTheBudgetThenPastRetention() throws InterruptedException {
        String[] ids = new String[3];
        for (int k = 0; k < 3; k++) {
            ids[k] = insert();
            store.claim("a", in(30));
            store.succeed(ids[k], "a", null, "{}", List.of(new byte[100]));
            Thread.sleep(5); // distinct finish times
        }
        String queued = insert();
        assertEquals(1, store.prune(Instant.now().minusSeconds(3600), 250));
        assertTrue(store.find(ids[0]).isEmpty());
        assertTrue(store.find(ids[1]).isPresent() && store.find(ids[2]).isPresent());
        assertEquals(2, store.prune(Instant.now().plusSeconds(1), Long.MAX_VALUE));
        assertTrue(store.find(queued).isPresent()); // unfinished jobs are never pruned
    }
}
