package io.shardcache.query.internal;

import io.shardcache.query.CacheKey;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Which keys churn: their entries are outdated by writes (or their fills refused because a table was written
 * while the query ran) so often that the cache costs them more than it saves. Each outdated entry adds 1 to the
 * key's score, each hit takes away {@link #HIT_CREDIT}; at {@link #BYPASS_AT} the key is read from the database
 * directly for a while, if its last query was cheap ({@link #CHEAP}) and its reads through the cache took longer
 * on average (a moving average of the last few) than that query: first
 * {@link #FIRST_BYPASS}, doubling each time it churns again, up to {@link #LONGEST_BYPASS}. A key is held from
 * its first regeneration or outdated entry until a hit leaves its score at 0, at most {@link #MAX_KEYS} at once
 * (beyond that new keys are not tracked, and so never bypassed). One per region. Thread-safe.
 */
final class ChurnTracker {

    /** What a hit takes off the score: a key whose fills serve five hits or more never reaches the bypass. */
    static final double HIT_CREDIT = 0.2;
    /** Weight of the newest read in the moving average of a key's reads through the cache. */
    static final double RECENT = 0.2;
    static final double BYPASS_AT = 2;
    /** A query at least this long keeps its cache under churn: one shared regeneration beats many callers' queries. */
    static final Duration CHEAP = Duration.ofMillis(20);
    static final Duration FIRST_BYPASS = Duration.ofMillis(500);
    static final Duration LONGEST_BYPASS = Duration.ofSeconds(5);
    static final int MAX_KEYS = 100_000;

    private static final class State {
        double score;
        long bypassUntil;
        boolean bypassed;
        int bypasses;
        long lastQueryNanos = Long.MAX_VALUE;   // unknown: not cheap
        double readNanos;                       // moving average of reads through the cache; 0 until one is seen
    }

    /** By the key's hash: its SHA-1 covers its scope, and there is one tracker per region. */
    private final ConcurrentHashMap<String, State> keys = new ConcurrentHashMap<>();
    private final LongSupplier nanos;

    ChurnTracker(LongSupplier nanos) {
        this.nanos = nanos;
    }

    /** Whether reads of the key should skip the cache now. */
    boolean bypassing(String hash) {
        if (keys.isEmpty())
            return false;
        State s = keys.get(hash);
        if (s == null)
            return false;
        synchronized (s) {
            return s.bypassed && nanos.getAsLong() - s.bypassUntil < 0;
        }
    }

    /** An entry of the key was outdated by a write, or its fill refused for one. */
    void outdated(CacheKey key) {
        State s = state(key);
        if (s == null)
            return;
        synchronized (s) {
            s.score += 1;
            if (s.score >= BYPASS_AT && s.lastQueryNanos < CHEAP.toNanos() && s.readNanos > s.lastQueryNanos) {
                long span = Math.min(LONGEST_BYPASS.toNanos(), FIRST_BYPASS.toNanos() << Math.min(s.bypasses, 20));
                s.bypassUntil = nanos.getAsLong() + span;
                s.bypassed = true;
                s.bypasses++;
                s.score = 0;   // after the bypass, the key must churn again to be bypassed again
            }
        }
    }

    /** The key's query ran on the database in {@code took}; held until the key's next hit. */
    void queried(CacheKey key, Duration took) {
        State s = state(key);
        if (s != null)
            synchronized (s) {
                s.lastQueryNanos = took.toNanos();
            }
    }

    /** The key's state, made if it has none; null if {@link #MAX_KEYS} are held already. */
    private @Nullable State state(CacheKey key) {
        State s = keys.get(key.hash());
        if (s == null && keys.size() < MAX_KEYS)
            s = keys.computeIfAbsent(key.hash(), x -> new State());
        return s;
    }

    /** A read of the key through the cache (any outcome) took {@code nanos}; noted only for keys held. */
    void read(CacheKey key, long nanos) {
        if (keys.isEmpty())
            return;
        State s = keys.get(key.hash());
        if (s != null)
            synchronized (s) {
                s.readNanos = s.readNanos == 0 ? nanos : s.readNanos + RECENT * (nanos - s.readNanos);
            }
    }

    /** An entry of the key was served (fresh or stale). */
    void served(CacheKey key) {
        if (keys.isEmpty())
            return;
        String k = key.hash();
        State s = keys.get(k);
        if (s == null)
            return;
        synchronized (s) {
            s.score = s.score - HIT_CREDIT < 1e-9 ? 0 : s.score - HIT_CREDIT;   // 0.2 five times is not exactly 1
            if (s.score == 0 && (!s.bypassed || nanos.getAsLong() - s.bypassUntil >= 0))
                keys.remove(k, s);
        }
    }

    /** Keys held; for tests. */
    int size() {
        return keys.size();
    }
}
