package ai.audioldm2.jobs;

import ai.audioldm2.config.ServiceConfig;
import io.agroal.api.AgroalDataSource;
import io.quarkus.agroal.DataSource;
import io.quarkus.arc.InjectableInstance;
import io.quarkus.flyway.FlywayDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.flywaydb.core.Flyway;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The jobs store on JDBC: the embedded H2 file or a shared PostgreSQL, whichever {@link JobStoreSelection}
 * activated. The schema (Flyway, {@code db/migration}) is brought up to date on first use rather than at start, so
 * a store that is down does not keep the service from starting: /predict still works and /jobs answers 503 until
 * the store can be written. Claims lock the candidate row with {@code FOR UPDATE SKIP LOCKED} (PostgreSQL and
 * H2 2.x both have it), so replicas never wait on each other's claims, and the update re-checks the status, so a
 * job is claimed once even where the lock is not taken.
 */
@ApplicationScoped
public class JdbcJobStore implements JobStore {

    private static final Logger LOG = Logger.getLogger(JdbcJobStore.class);
    /** The PostgreSQL advisory lock that serialises admissions across replicas ("adm2"). */
    private static final long ADMISSION_LOCK = 0x61646d32L;
    /** Serialises this process's admissions (count then insert), which the queue limit needs. */
    private final ReentrantLock admission = new ReentrantLock();

    private static final String COLUMNS = "id, status, request_json, request_view, progress_json, created_at, "
            + "started_at, finished_at, result_json, error_json, traceparent";
    private static final String RUNNING_UNDER_OWNER = " WHERE id = ? AND status = 'running' AND lease_owner = ?";

    @Inject
    ServiceConfig config;

    @Inject
    @DataSource(JobStoreSelection.EMBEDDED)
    InjectableInstance<AgroalDataSource> embedded;

    @Inject
    @DataSource(JobStoreSelection.POSTGRESQL)
    InjectableInstance<AgroalDataSource> postgresql;

    @Inject
    @FlywayDataSource(JobStoreSelection.EMBEDDED)
    InjectableInstance<Flyway> embeddedSchema;

    @Inject
    @FlywayDataSource(JobStoreSelection.POSTGRESQL)
    InjectableInstance<Flyway> postgresqlSchema;

    private volatile boolean migrated;
    private volatile boolean failing;

    @Override
    public boolean isExclusive() {
        return isEmbedded();
    }

    private boolean isEmbedded() {
        return config.jobs().storeUrl().filter(url -> !url.isBlank()).isEmpty();
    }

    @Override
    public String describe() {
        return isEmbedded() ? "embedded H2 in " + dataDir() : config.jobs().storeUrl().orElseThrow();
    }

    @Override
    public StoredJob insert(String id, NewJob job, int maxQueued) {
        long now = System.currentTimeMillis();
        // Count and insert as one, until the commit: concurrent submissions both counted max-queued - 1 and both
        // got in (1,001 of 1,000, measured). One lock per process, and on PostgreSQL a transaction-scoped advisory
        // lock for the replicas sharing the database.
        admission.lock();
        try {
            return transaction("store a new job", connection -> {
                if (!isEmbedded()) {
                    count(connection, "SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock(" + ADMISSION_LOCK
                            + ")) AS locked");
                }
                return admitted(connection, id, job, maxQueued, now);
            });
        } finally {
            admission.unlock();
        }
    }

    private static StoredJob admitted(Connection connection, String id, NewJob job, int maxQueued, long now)
            throws SQLException {
        if (count(connection, "SELECT COUNT(*) FROM jobs WHERE status = 'queued'") >= maxQueued) {
            throw new QueueFullException(maxQueued);
        }
        update(connection, "INSERT INTO jobs (id, status, request_json, request_view, created_at, traceparent)"
                + " VALUES (?, 'queued', ?, ?, ?, ?)", id, job.request(), job.requestView(), now, job.traceparent());
        return new StoredJob(id, JobStatus.QUEUED, job.request(), job.requestView(), null,
                Instant.ofEpochMilli(now), null, null, null, null, job.traceparent());
    }

    @Override
    public Optional<StoredJob> find(String id) {
        return transaction("read a job", connection -> {
            List<StoredJob> found = select(connection, "SELECT " + COLUMNS + " FROM jobs WHERE id = ?", id);
            return found.stream().findFirst();
        });
    }

    @Override
    public List<StoredJob> list(JobStatus status, int limit) {
        return transaction("list jobs", connection -> status == null
                ? select(connection, "SELECT " + COLUMNS + " FROM jobs ORDER BY seq DESC LIMIT ?", limit)
                : select(connection, "SELECT " + COLUMNS + " FROM jobs WHERE status = ? ORDER BY seq DESC LIMIT ?",
                        status.label(), limit));
    }

    @Override
    public Map<JobStatus, Long> counts() {
        return transaction("count jobs", connection -> {
            Map<JobStatus, Long> counts = new EnumMap<>(JobStatus.class);
            for (JobStatus status : JobStatus.values()) {
                counts.put(status, 0L);
            }
            try (PreparedStatement statement = connection.prepareStatement(
                    "SELECT status, COUNT(*) FROM jobs GROUP BY status"); ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    long count = rows.getLong(2);
                    JobStatus.parse(rows.getString(1)).ifPresent(status -> counts.put(status, count));
                }
            }
            return counts;
        });
    }

    @Override
    public Optional<StoredJob> claim(String owner, Instant leaseUntil) {
        long now = System.currentTimeMillis();
        return transaction("claim a job", connection -> {
            String id;
            try (PreparedStatement statement = prepare(connection, "SELECT id FROM jobs WHERE status = 'queued' "
                    + "OR (status = 'running' AND lease_expires < ?) ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED", now);
                 ResultSet rows = statement.executeQuery()) {
                if (!rows.next()) {
                    return Optional.empty();
                }
                id = rows.getString(1);
            }
            int claimed = update(connection, "UPDATE jobs SET status = 'running', lease_owner = ?, lease_expires = ?, "
                    + "started_at = ?, progress_json = NULL, attempts = attempts + 1 WHERE id = ? AND (status = 'queued' "
                    + "OR (status = 'running' AND lease_expires < ?))", owner, leaseUntil.toEpochMilli(), now, id, now);
            return claimed == 1 ? select(connection, "SELECT " + COLUMNS + " FROM jobs WHERE id = ?", id).stream()
                    .findFirst() : Optional.empty();
        });
    }

    @Override
    public boolean renew(String id, String owner, Instant leaseUntil, String progress) {
        return transaction("renew a lease", connection -> update(connection,
                "UPDATE jobs SET lease_expires = ?, progress_json = ?" + RUNNING_UNDER_OWNER,
                leaseUntil.toEpochMilli(), progress, id, owner) == 1);
    }

    @Override
    public boolean succeed(String id, String owner, String progress, String result, List<byte[]> audio) {
        long bytes = audio.stream().mapToLong(wav -> wav.length).sum();
        return transaction("store a result", connection -> {
            if (update(connection, "UPDATE jobs SET status = 'succeeded', finished_at = ?, progress_json = ?, "
                    + "result_json = ?, result_bytes = ?, lease_owner = NULL, lease_expires = NULL"
                    + RUNNING_UNDER_OWNER, System.currentTimeMillis(), progress, result, bytes, id, owner) != 1) {
                return false;
            }
            for (int k = 0; k < audio.size(); k++) {
                update(connection, "INSERT INTO job_audio (job_id, candidate, sha256, wav) VALUES (?, ?, ?, ?)",
                        id, k, sha256(audio.get(k)), audio.get(k));
            }
            return true;
        });
    }

    @Override
    public boolean fail(String id, String owner, String progress, String error) {
        return transaction("store a failure", connection -> update(connection, "UPDATE jobs SET status = 'failed', "
                + "finished_at = ?, progress_json = ?, error_json = ?, lease_owner = NULL, lease_expires = NULL"
                + RUNNING_UNDER_OWNER, System.currentTimeMillis(), progress, error, id, owner) == 1);
    }

    @Override
    public boolean requeue(String id, String owner) {
        return transaction("queue a job again", connection -> {
            String requeue = "UPDATE jobs SET status = 'queued', started_at = NULL, finished_at = NULL, "
                    + "progress_json = NULL, result_json = NULL, result_bytes = 0, lease_owner = NULL, "
                    + "lease_expires = NULL WHERE id = ? AND ";
            int changed = owner == null
                    ? update(connection, requeue + "status IN ('running', 'succeeded')", id)
                    : update(connection, requeue + "status = 'running' AND lease_owner = ?", id, owner);
            if (changed == 1) {
                update(connection, "DELETE FROM job_audio WHERE job_id = ?", id);
            }
            return changed == 1;
        });
    }

    @Override
    public int requeueRunning(String owner) {
        return transaction("queue interrupted jobs again", connection -> {
            String requeue = "UPDATE jobs SET status = 'queued', started_at = NULL, progress_json = NULL, "
                    + "lease_owner = NULL, lease_expires = NULL WHERE status = 'running'";
            return owner == null ? update(connection, requeue) : update(connection, requeue + " AND lease_owner = ?",
                    owner);
        });
    }

    @Override
    public boolean cancel(String id) {
        return transaction("cancel a job", connection -> update(connection, "UPDATE jobs SET status = 'cancelled', "
                + "finished_at = ?, lease_owner = NULL, lease_expires = NULL WHERE id = ? "
                + "AND status IN ('queued', 'running')", System.currentTimeMillis(), id) == 1);
    }

    @Override
    public boolean delete(String id) {
        // job_audio rows go with it (ON DELETE CASCADE)
        return transaction("remove a job", connection -> update(connection,
                "DELETE FROM jobs WHERE id = ? AND status NOT IN ('queued', 'running')", id) == 1);
    }

    @Override
    public Optional<byte[]> audio(String id, int candidate) {
        return transaction("read audio", connection -> {
            try (PreparedStatement statement = prepare(connection,
                    "SELECT sha256, wav FROM job_audio WHERE job_id = ? AND candidate = ?", id, candidate);
                 ResultSet rows = statement.executeQuery()) {
                if (!rows.next()) {
                    return Optional.empty();
                }
                byte[] wav = rows.getBytes(2);
                if (!sha256(wav).equals(rows.getString(1))) {
                    throw new CorruptResultException("the stored audio of job " + id + " candidate " + candidate
                            + " does not match its checksum");
                }
                return Optional.of(wav);
            }
        });
    }

    @Override
    public int prune(Instant finishedBefore, long maxResultBytes) {
        return transaction("remove old results", connection -> {
            List<String> doomed = new ArrayList<>();
            long kept = 0;
            try (PreparedStatement statement = prepare(connection, "SELECT id, result_bytes, finished_at FROM jobs "
                    + "WHERE finished_at IS NOT NULL AND status NOT IN ('queued', 'running') ORDER BY finished_at DESC");
                 ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    kept += rows.getLong(2);
                    if (kept > maxResultBytes || rows.getLong(3) < finishedBefore.toEpochMilli()) {
                        doomed.add(rows.getString(1));
                    }
                }
            }
            for (String id : doomed) {
                update(connection, "DELETE FROM jobs WHERE id = ?", id);
            }
            return doomed.size();
        });
    }

    private Path dataDir() {
        return JobStoreSelection.dataDir(config.dataDir().toString());
    }

    /** The work of one transaction on one connection. */
    @FunctionalInterface
    private interface Work<T> {
        T on(Connection connection) throws SQLException;
    }

    private <T> T transaction(String what, Work<T> work) {
        try (Connection connection = connection()) {
            connection.setAutoCommit(false);
            try {
                T value = work.on(connection);
                connection.commit();
                if (failing) {
                    failing = false;
                    LOG.infof("the jobs store (%s) works again", describe());
                }
                return value;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            discardClosedConnections(e);
            throw unavailable(what, e);
        }
    }

    /**
     * When H2 closed the embedded database under the pool (it does so when a write fails: the disk full, measured
     * by the reliability suite on a full tmpfs), every pooled connection answers "The database has been closed"
     * forever, even once the disk has room again. Closing them all lets the next connection open the file anew.
     */
    private void discardClosedConnections(SQLException failure) {
        if (isEmbedded() && databaseClosed(failure)) {
            dataSource().flush(AgroalDataSource.FlushMode.ALL);
        }
    }

    /** H2's DATABASE_IS_CLOSED, DATABASE_CALLED_AT_SHUTDOWN, CONNECTION_BROKEN_1 or OBJECT_CLOSED, or SQL state 08. */
    static boolean databaseClosed(SQLException failure) {
        for (Throwable e = failure; e != null; e = e.getCause()) {
            if (e instanceof SQLException sql) {
                int code = sql.getErrorCode();
                String state = sql.getSQLState();
                if (code == 90098 || code == 90121 || code == 90067 || code == 90007
                        || (state != null && state.startsWith("08"))) {
                    return true;
                }
            }
        }
        return false;
    }

    private Connection connection() throws SQLException {
        if (!migrated) {
            migrate();
        }
        return dataSource().getConnection();
    }

    /** Creates the data folder and brings the schema up to date, once; a failure is retried on the next use. */
    private synchronized void migrate() {
        if (migrated) {
            return;
        }
        try {
            if (isEmbedded()) {
                Files.createDirectories(dataDir());
            }
            (isEmbedded() ? embeddedSchema : postgresqlSchema).getActive().migrate();
            migrated = true;
            LOG.infof("jobs store ready: %s", describe());
        } catch (IOException | RuntimeException e) {
            throw unavailable("prepare the store", e);
        }
    }

    private AgroalDataSource dataSource() {
        return (isEmbedded() ? embedded : postgresql).getActive();
    }

    private StoreUnavailableException unavailable(String what, Exception cause) {
        String message = "the jobs store (" + describe() + ") cannot " + what + ": " + cause.getMessage();
        if (failing) {
            LOG.debug(message);
        } else {
            failing = true; // one error line per outage, not one per scheduler tick
            LOG.error(message + "; POST /jobs answers 503 until it works again");
        }
        return new StoreUnavailableException(message, cause);
    }

    private static List<StoredJob> select(Connection connection, String sql, Object... parameters)
            throws SQLException {
        List<StoredJob> jobs = new ArrayList<>();
        try (PreparedStatement statement = prepare(connection, sql, parameters);
             ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                jobs.add(new StoredJob(rows.getString(1), JobStatus.parse(rows.getString(2)).orElseThrow(),
                        rows.getString(3), rows.getString(4), rows.getString(5), instant(rows, 6), instant(rows, 7),
                        instant(rows, 8), rows.getString(9), rows.getString(10), rows.getString(11)));
            }
        }
        return jobs;
    }

    private static long count(Connection connection, String sql) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql);
             ResultSet rows = statement.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static int update(Connection connection, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement statement = prepare(connection, sql, parameters)) {
            return statement.executeUpdate();
        }
    }

    private static PreparedStatement prepare(Connection connection, String sql, Object... parameters)
            throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        try {
            for (int i = 0; i < parameters.length; i++) {
                Object parameter = parameters[i];
                if (parameter == null) {
                    statement.setNull(i + 1, Types.VARCHAR);
                } else if (parameter instanceof byte[] bytes) {
                    statement.setBytes(i + 1, bytes);
                } else {
                    statement.setObject(i + 1, parameter);
                }
            }
            return statement;
        } catch (SQLException e) {
            statement.close();
            throw e;
        }
    }

    private static Instant instant(ResultSet rows, int column) throws SQLException {
        long millis = rows.getLong(column);
        return rows.wasNull() ? null : Instant.ofEpochMilli(millis);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }
}
