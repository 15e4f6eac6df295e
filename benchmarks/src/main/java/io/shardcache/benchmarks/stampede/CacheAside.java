package io.shardcache.benchmarks.stampede;

import java.util.concurrent.atomic.LongAdder;
import org.jooq.Result;

/**
 * A comparison scheme: a cache read the application's way, without shardcache's single flight, counting
 * what it did. Thread-safe.
 */
abstract class CacheAside {

    final LongAdder hits = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder executions = new LongAdder();

    /** The rows of {@code sql} with {@code binds}, cached under {@code key}. */
    abstract Result<?> read(String key, String sql, Object[] binds);

    /** Forgets the counts so far (the warm-up's). */
    void reset() {
        hits.reset();
        misses.reset();
        executions.reset();
    }

    long hits() {
        return hits.sum();
    }

    long misses() {
        return misses.sum();
    }

    long executions() {
        return executions.sum();
    }
}
