package io.shardcache.query.spi;

import io.shardcache.query.CacheBackendException;
import java.time.Duration;

/**
 * Where cache entries, generation counters and regeneration locks live: in this process
 * ({@link io.shardcache.query.InProcessCacheBackend}) or in Redis ({@code cache-redis}).
 *
 * <p>Entries are opaque bytes to a backend: shardcache's own versioned, checksummed envelope,
 * which the backend stores and returns verbatim and never interprets (nor deserializes).
 *
 * <p><b>Failure contract.</b> Every method may throw {@link CacheBackendException} when the
 * backend is unreachable or too slow; shardcache then follows the region's
 * {@link io.shardcache.query.OnBackendFailure} (by default the query runs on the database and the
 * caller gets correct rows). A backend must never block longer than its own short command timeout.
 *
 * <p><b>Concurrency.</b> Implementations are shared by all threads and must be thread-safe.
 */
public interface CacheBackend extends AutoCloseable {

    /**
     * The entry stored under {@code key} in {@code region}, or {@code null} if there is none or it
     * has expired.
     *
     * @param key shardcache's key, {@code <region>:<generation>:<sha1>}; a backend may prefix it
     */
    byte[] get(String region, String key);

    /**
     * The region's two generation counters and the entry stored under {@code key}, read together:
     * in one round trip where the backend can (Redis: one {@code MGET}), so that a hit costs one
     * round trip. shardcache names {@code key} ({@code <region>:<generation>:<sha1>}) with the
     * generation it last saw; when the generation read here differs, it reads the entry of the
     * generation read here with {@link #get}. The default makes three calls.
     */
    default Read read(String region, String key, String generationCounter, String softCounter) {
        return new Read(generation(generationCounter), generation(softCounter), get(region, key));
    }

    /**
     * What {@link #read} found.
     *
     * @param entry null if there is no entry under the key
     */
    record Read(long generation, long softGeneration, byte[] entry) {
    }

    /** Stores an entry that the backend must forget after {@code timeToLive} (the hard TTL). */
    void put(String region, String key, byte[] entry, Duration timeToLive);

    /** Removes an entry; true if one was there. */
    boolean delete(String region, String key);

    /** The current value of a named generation counter; 0 if it was never incremented. */
    long generation(String counter);

    /** Atomically increments a named generation counter and returns its new value. */
    long incrementGeneration(String counter);

    /** The locks under which a missing or stale entry is regenerated. */
    RegenerationLocks locks();

    /** A short description for logs and error messages, e.g. {@code in-process} or a Redis address. */
    String describe();

    /** Releases connections and threads the backend owns; the default does nothing. */
    @Override
    default void close() {
    }
}
