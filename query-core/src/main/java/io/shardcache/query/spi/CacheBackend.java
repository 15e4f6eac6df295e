package io.shardcache.query.spi;

import io.shardcache.query.CacheBackendException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

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
     * has expired. The array is the caller's to keep: a backend never changes an array after handing
     * it out or after being given it to store (the engine keeps what it decoded from an array by the
     * array's identity).
     *
     * @param key shardcache's key, {@code <region>:<generation>:<sha1>}; a backend may prefix it
     */
    byte @Nullable [] get(String region, String key);

    /**
     * The values of {@code counters} and the entry stored under {@code key}, read together: in one
     * round trip where the backend can (Redis: one {@code MGET}), so that a hit, generation checks
     * included, costs one round trip. shardcache passes the region's generation and soft generation
     * first, then the counters of the tables the query reads. The default makes one call per counter
     * and one for the entry.
     *
     * @param key shardcache's key, {@code <region>:<generation>:<sha1>}
     */
    default Read read(String region, String key, List<String> counters) {
        long[] values = new long[counters.size()];
        for (int i = 0; i < values.length; i++)
            values[i] = generation(counters.get(i));
        return new Read(values, get(region, key));
    }

    /**
     * What {@link #read} found.
     *
     * @param generations the counters' values, in the order they were asked for (see {@link #generation})
     * @param entry       null if there is no entry under the key
     */
    record Read(long[] generations, byte @Nullable [] entry) {
    }

    /**
     * {@link #read} for many entries at once, in one round trip where the backend can (Redis: one
     * {@code MGET} of every key, each counter asked once): how a batch of cached queries is looked up
     * before any of them runs. The default makes one {@link #read} per request.
     *
     * @return one read per request, in the order given
     */
    default List<Read> readAll(List<ReadRequest> requests) {
        List<Read> out = new ArrayList<>(requests.size());
        for (ReadRequest r : requests)
            out.add(read(r.region(), r.key(), r.counters()));
        return out;
    }

    /**
     * One {@link #read} of a {@link #readAll}.
     *
     * @param key      shardcache's key, {@code <region>:<generation>:<sha1>}
     * @param counters the counters to read with it; may be empty
     */
    record ReadRequest(String region, String key, List<String> counters) {
        public ReadRequest {
            Objects.requireNonNull(region, "region");
            Objects.requireNonNull(key, "key");
            counters = List.copyOf(counters);
        }
    }

    /**
     * Stores an entry only if each of {@code counters} still has the value in {@code expected}: the
     * values read before the query that computed the entry ran. So a regeneration that ran before a
     * write committed can never store its rows after the write's generation bump. Backends that can
     * make this atomic do (Redis: one script; in-process: under the counters' lock).
     *
     * <p>The default checks, stores, and checks again, deleting the entry it stored if a counter
     * moved meanwhile. A hit compares an entry's generations with the current ones anyway, so the
     * only thing its race can cost is a good entry briefly overwritten by one that is never served.
     *
     * @return true if stored; false if a counter had moved (nothing is stored)
     */
    default boolean putIfGenerations(String region, String key, byte[] entry, Duration timeToLive,
                                     List<String> counters, long[] expected) {
        if (!generationsAre(counters, expected))
            return false;
        put(region, key, entry, timeToLive);
        if (generationsAre(counters, expected))
            return true;
        delete(region, key);
        return false;
    }

    private boolean generationsAre(List<String> counters, long[] expected) {
        for (int i = 0; i < expected.length; i++)
            if (generation(counters.get(i)) != expected[i])
                return false;
        return true;
    }

    /** Stores an entry that the backend must forget after {@code timeToLive} (the hard TTL). */
    void put(String region, String key, byte[] entry, Duration timeToLive);

    /**
     * Removes an entry; true if one was there. A backend that supports {@link #watch} tells every
     * watcher.
     */
    boolean delete(String region, String key);

    /**
     * The current value of a named generation counter. A counter that was never incremented may
     * read as 0, but a counter that was lost (a backend of several servers, one restarted empty)
     * must never read as a value it had before: entries recorded it, and would match again. The
     * Redis backend therefore creates a missing counter at its clock in microseconds when it reads it.
     */
    long generation(String counter);

    /**
     * Atomically increments a named generation counter and returns its new value. A counter never
     * takes a value twice: entries record the values they were read under, and one that matched
     * again would be served although a write came after it. A backend that can lose a counter while
     * entries that recorded it survive (a restarted server of several) must start it again above
     * every value it had; the Redis backend starts a new counter at its clock in microseconds.
     */
    long incrementGeneration(String counter);

    /**
     * Increments each of {@code counters} (in one round trip where the backend can) and
     * returns their new values in the same order. A backend that supports {@link #watch} tells every
     * watcher, in every process, of each new value. The default increments them one by one.
     */
    default long[] incrementGenerations(List<String> counters) {
        long[] values = new long[counters.size()];
        for (int i = 0; i < values.length; i++)
            values[i] = incrementGeneration(counters.get(i));
        return values;
    }

    /**
     * {@link #incrementGenerations}, for the retry of bumps that could not reach the backend: a
     * backend behind circuit breakers calls its servers even while their circuits are open (the
     * call is their probe), so that the bumps land as soon as the servers answer. The default is
     * {@link #incrementGenerations}.
     */
    default long[] incrementGenerationsNow(List<String> counters) {
        return incrementGenerations(counters);
    }

    /**
     * Whether a call leaves this process: a network round trip to a server. For such a backend, concurrent
     * reads of one entry in one JVM share one call (read coalescing, counted as
     * {@link io.shardcache.query.RegionStats#coalescedReads()}); an in-process backend answers faster than
     * callers could be joined, and is read by each. The default is true.
     */
    default boolean isRemote() {
        return true;
    }

    /**
     * True if this backend keeps a circuit breaker per server of its own (as {@code BackendRing} and
     * a {@code RedisCacheBackend} on a cluster do, each a {@link Circuit}), so that a server down
     * costs only its own keys: a {@code CachingDSL} then puts none around the whole backend. The
     * default is false.
     */
    default boolean breaksPerServer() {
        return false;
    }

    /**
     * The circuit of each server this backend keeps ({@link #breaksPerServer()}), by the server's
     * name, as it is now, without calling any server: for a health check. Empty by default.
     */
    default java.util.Map<String, Circuit.State> circuits() {
        return java.util.Map.of();
    }

    /**
     * Tells the watchers in every process that the entry under {@code key} was rewritten in place
     * (marked stale), so that near caches drop their copies; {@link #delete} tells them itself. The
     * default does nothing (a backend without {@link #watch} has nobody to tell).
     */
    default void announceEntryChanged(String region, String key) {
    }

    /**
     * Registers {@code watcher} to hear of every generation increment and every entry deleted or
     * rewritten, by any process sharing this backend; what a near cache needs to stay correct.
     * Notifications start once the watcher has been told {@link Watcher#connectionChanged
     * connectionChanged(true)}.
     *
     * @return false if this backend cannot tell (the default); the watcher is then never called
     */
    default boolean watch(Watcher watcher) {
        return false;
    }

    /** Stops telling {@code watcher}; nothing if it was not watching. The default does nothing. */
    default void unwatch(Watcher watcher) {
    }

    /**
     * Hears what {@link #watch} promises. Called on the backend's own threads, in the order the
     * changes were made; must be quick and must not throw.
     */
    interface Watcher {

        /** {@code counter} was incremented to {@code value}. */
        void generationChanged(String counter, long value);

        /** The entry under {@code key} was deleted or rewritten. */
        void entryChanged(String key);

        /**
         * Notifications may have been missed (the connection dropped: {@code live} is false), or flow
         * again ({@code live} is true): either way, forget everything learnt from them so far.
         */
        void connectionChanged(boolean live);

        /**
         * Every change this backend published before this process asked at {@code askedAtNanos}
         * (its {@link System#nanoTime()}) has been delivered to this watcher. A backend that says so
         * regularly (Redis: a {@code PING} on the subscription, answered after the messages queued
         * before it) lets a near cache bound its staleness: it serves a copy only while it has caught
         * up to within the region's {@code nearCacheMaxLag}. Never said by default, and then no such
         * bound applies.
         */
        default void caughtUp(long askedAtNanos) {
        }
    }

    /** The locks under which a missing or stale entry is regenerated. */
    RegenerationLocks locks();

    /** A short description for logs and error messages, e.g. {@code in-process} or a Redis address. */
    String describe();

    /** Releases connections and threads the backend owns; the default does nothing. */
    @Override
    default void close() {
    }
}
