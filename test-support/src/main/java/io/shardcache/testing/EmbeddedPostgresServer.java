package io.shardcache.testing;

import javax.sql.DataSource;

/**
 * A PostgreSQL server process this JVM started from the binaries in Maven artifacts; see
 * {@link EmbeddedServices#startPostgres()}, and {@link #startStandby()} for a streaming replica of one.
 *
 * <p>It listens on 127.0.0.1 only, trusts the superuser {@code postgres} without a password, and keeps its
 * data in a temporary directory with {@code fsync} off: fast and disposable, never durable.
 * {@link #close()} stops it (fast shutdown: open sessions are ended) and deletes the data; a JVM shutdown
 * hook does the same if the owner forgets. Safe to use from many threads.
 */
public interface EmbeddedPostgresServer extends AutoCloseable {

    /** The server's address and credentials, database {@code postgres}, source {@code embedded}. */
    PostgresService service();

    /** Process id of the postmaster, for checking it is gone after {@link #close()}. */
    long pid();

    /**
     * Starts a hot standby of this server: another embedded PostgreSQL server that receives everything this
     * one writes by PostgreSQL's own physical streaming replication, for tests of what a replica sees.
     *
     * <p>The standby begins as an online base backup of this server, taken with the low-level backup API
     * ({@code pg_backup_start}, a copy of the data directory, {@code pg_backup_stop}) while this server keeps
     * serving its sessions; it then streams WAL from this server as {@code postgres} over 127.0.0.1
     * ({@code primary_conninfo}), through a physical replication slot created on this server for it
     * ({@code primary_slot_name}), so no WAL it still needs is removed even while it lags. It has this
     * server's {@code postgresql.conf} settings, including those given to
     * {@link EmbeddedServices#startPostgres(java.util.Map)}, and like it listens on a free port of 127.0.0.1,
     * trusts {@code postgres}, and is closed by a shutdown hook if its owner forgets.
     *
     * <p>The standby answers read-only queries ({@code hot_standby = on}); {@code pg_is_in_recovery()} is
     * true on it, and a write fails with SQLState {@code 25006} (read_only_sql_transaction). Replication is
     * asynchronous: what this server commits shows on the standby a moment later, so a test waits for it,
     * for example with {@link Eventually}. This method returns once the standby accepts connections and
     * streams from this server, typically within a second. The standby's {@link #close()} stops it, deletes
     * its data and drops its slot on this server; closing this server first leaves the standby running,
     * unable to receive more.
     *
     * @return the running standby, which the caller closes
     * @throws IllegalStateException if this server is closed, is itself a standby, or runs with settings that
     *                               rule out streaming replication ({@code wal_level = minimal},
     *                               {@code max_wal_senders} or {@code max_replication_slots} 0)
     * @throws TestServicesException with the failing step's output (the standby's server log, for instance)
     *                               if the standby cannot be started
     */
    EmbeddedPostgresServer startStandby();

    /** Shorthand for {@code service().jdbcUrl()}. */
    default String jdbcUrl() {
        return service().jdbcUrl();
    }

    /** Shorthand for {@code service().dataSource()}. */
    default DataSource dataSource() {
        return service().dataSource();
    }

    /**
     * Stops the server, waits for its processes to end and deletes its data directory. Idempotent.
     *
     * @throws TestServicesException if the server could not be stopped; it was then killed
     */
    @Override
    void close();
}
