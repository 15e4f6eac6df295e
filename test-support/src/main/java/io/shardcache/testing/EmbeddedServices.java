package io.shardcache.testing;

import io.shardcache.testing.internal.LocalPostgres;
import io.shardcache.testing.internal.LocalRedis;
import java.io.IOException;
import java.util.Map;

/**
 * Starts private PostgreSQL and Redis servers from binaries shipped in Maven artifacts, with no
 * installation and no Docker: for the examples tour, and for tests that need a server of their own (for
 * example to stop it).
 *
 * <p>Each call starts a new server on a free port of 127.0.0.1 and returns its handle; the caller closes it
 * (a shutdown hook closes forgotten ones). PostgreSQL 18 comes from {@code io.zonky.test.postgres} binaries,
 * unpacked once per machine under {@code java.io.tmpdir}; the first start takes a few seconds, later ones
 * about one (initdb). PostgreSQL refuses to run as root, so when the JVM is root its programs run as an
 * unprivileged account ({@code nobody}) through {@code setpriv} or {@code runuser}. Redis 6.2 comes from
 * {@code com.github.codemonstur:embedded-redis}. Safe to call from many threads.
 *
 * <p>A PostgreSQL server started here can have streaming-replication standbys:
 * {@link EmbeddedPostgresServer#startStandby()}.
 */
public final class EmbeddedServices {
    private EmbeddedServices() {
    }

    /**
     * Initialises a fresh data directory and starts PostgreSQL on it.
     *
     * @throws TestServicesException with the failing program's output if it cannot start
     */
    public static EmbeddedPostgresServer startPostgres() {
        return startPostgres(Map.of());
    }

    /**
     * {@link #startPostgres()} with {@code settings} added to its {@code postgresql.conf}, such as
     * {@code Map.of("wal_level", "logical")} for a server that publishes logical replication.
     *
     * @throws IllegalArgumentException if a name is not a setting's name
     * @throws TestServicesException    with the failing program's output if it cannot start
     */
    public static EmbeddedPostgresServer startPostgres(Map<String, String> settings) {
        try {
            return LocalPostgres.start(settings);
        } catch (IOException e) {
            throw new TestServicesException("embedded PostgreSQL did not start: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TestServicesException("interrupted while starting embedded PostgreSQL", e);
        }
    }

    /**
     * Starts Redis.
     *
     * @throws TestServicesException with the server's output if it cannot start
     */
    public static EmbeddedRedisServer startRedis() {
        try {
            return LocalRedis.start();
        } catch (IOException e) {
            throw new TestServicesException("embedded Redis did not start: " + e.getMessage(), e);
        }
    }
}
