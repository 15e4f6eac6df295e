package io.shardcache.testing;

import javax.sql.DataSource;

/**
 * A PostgreSQL server process this JVM started from the binaries in Maven artifacts; see
 * {@link EmbeddedServices#startPostgres()}.
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
