package io.shardcache.benchmarks.stampede;

import io.shardcache.query.spi.CacheBackend;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.jooq.DSLContext;
import org.jooq.Result;

/**
 * Plain cache-aside, the comparison for the engine: each caller gets the entry from the backend;
 * on a miss it runs the query and puts the rows. No lock and no single flight, so every caller
 * that misses before the first put lands runs the query. The same Redis backend as the engine
 * (its {@code get}/{@code put}); rows are stored as jOOQ's JSON, which is enough for a comparison.
 * Thread-safe.
 */
final class NaiveCacheAside extends CacheAside {

    private static final String REGION = "naive";

    private final CacheBackend backend;
    private final DSLContext dsl;
    private final Duration ttl;

    NaiveCacheAside(CacheBackend backend, DSLContext dsl, Duration ttl) {
        this.backend = backend;
        this.dsl = dsl;
        this.ttl = ttl;
    }

    @Override
    Result<?> read(String key, String sql, Object[] binds) {
        byte[] cached = backend.get(REGION, key);
        if (cached != null) {
            hits.increment();
            return dsl.fetchFromJSON(new String(cached, StandardCharsets.UTF_8));
        }
        misses.increment();
        Result<?> rows = dsl.resultQuery(sql, binds).fetch();
        executions.increment();
        backend.put(REGION, key, rows.formatJSON().getBytes(StandardCharsets.UTF_8), ttl);
        return rows;
    }

}
