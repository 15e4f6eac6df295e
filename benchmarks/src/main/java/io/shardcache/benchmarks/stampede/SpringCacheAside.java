package io.shardcache.benchmarks.stampede;

import io.shardcache.benchmarks.SpringCaches;
import java.time.Duration;
import org.jooq.DSLContext;
import org.jooq.Result;
import org.springframework.cache.Cache;

/**
 * What a Spring Boot user has today: Spring's cache on Redis ({@link SpringCaches}), read as
 * {@code @Cacheable(sync = true)} reads, through {@link Cache#get(Object, java.util.concurrent.Callable)}. The
 * rows are cached as jOOQ's JSON text, as the naive scheme caches them. Thread-safe; close it.
 */
final class SpringCacheAside extends CacheAside implements AutoCloseable {

    private final SpringCaches spring;
    private final Cache cache;
    private final DSLContext dsl;

    SpringCacheAside(String redisUrl, String keyPrefix, DSLContext dsl, Duration ttl) {
        this.spring = SpringCaches.open(redisUrl, keyPrefix, "stampede", ttl);
        this.cache = spring.cache();
        this.dsl = dsl;
    }

    @Override
    Result<?> read(String key, String sql, Object[] binds) {
        boolean[] loaded = new boolean[1];
        String json = cache.get(key, () -> {
            loaded[0] = true;
            String rows = dsl.resultQuery(sql, binds).fetch().formatJSON();
            executions.increment();
            return rows;
        });
        (loaded[0] ? misses : hits).increment();
        return dsl.fetchFromJSON(java.util.Objects.requireNonNull(json, "cached rows"));
    }


    @Override
    public void close() {
        spring.close();
    }
}
