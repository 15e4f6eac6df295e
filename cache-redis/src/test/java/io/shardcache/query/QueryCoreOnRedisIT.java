package io.shardcache.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardcache.query.spi.CacheBackend;
import io.shardcache.testing.Eventually;
import java.time.Duration;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;

/**
 * Guards the claim that query-core's integration tests, scanned from its test jar, run here on
 * Redis (a Redis Cluster in the {@code query-core-on-cluster} execution): the backend they are given
 * is a Redis one, and what it stores really lands in Redis.
 */
class QueryCoreOnRedisIT {

    @Test
    void queryCoreTestsGetARedisBackend() throws InterruptedException {
        try (CacheBackend backend = TestBackends.create("QueryCoreOnRedisIT", InstantSource.system())) {
            boolean cluster = Boolean.getBoolean(io.shardcache.redis.RedisTestBackendFactory.CLUSTER);
            assertThat(backend.describe()).startsWith(cluster ? "cluster redis://" : "redis://");
            // A backend connects in the background: its first calls may find it still connecting.
            Eventually.awaitWorking("the backend's first put", Duration.ofSeconds(15), CacheBackendException.class,
                () -> backend.put("r", "r:0:probe", new byte[] {1, 2, 3}, Duration.ofMinutes(1)));
            assertThat(backend.get("r", "r:0:probe")).containsExactly(1, 2, 3);
        }
    }
}
