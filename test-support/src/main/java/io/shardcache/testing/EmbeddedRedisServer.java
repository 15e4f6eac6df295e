package io.shardcache.testing;

/**
 * A Redis server process this JVM started from the binary in a Maven artifact; see
 * {@link EmbeddedServices#startRedis()}.
 *
 * <p>It listens on 127.0.0.1 only, needs no password and never writes snapshots. {@link #close()} stops it
 * and deletes its directory; a JVM shutdown hook does the same if the owner forgets. Safe to use from
 * many threads.
 */
public interface EmbeddedRedisServer extends AutoCloseable {

    /** The server's address, source {@code embedded}. */
    RedisService service();

    /** Shorthand for {@code service().uri()}. */
    default String uri() {
        return service().uri();
    }

    /**
     * Stops the server and waits for its process to end. Idempotent.
     *
     * @throws TestServicesException if the server could not be stopped
     */
    @Override
    void close();
}
