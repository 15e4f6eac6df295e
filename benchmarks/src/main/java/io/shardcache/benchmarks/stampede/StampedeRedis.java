package io.shardcache.benchmarks.stampede;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.shardcache.benchmarks.RedisKeys;
import io.shardcache.query.CacheBackendException;
import io.shardcache.query.spi.CacheBackend;
import java.time.Duration;

/** Redis chores of a run: waiting until a backend really answers, and deleting the run's keys. */
final class StampedeRedis {

    private StampedeRedis() {
    }

    /**
     * Returns once {@code backend} answers both a value command and a lock round trip. A new
     * {@code RedisCacheBackend} connects in the background and its lock client on first use, and a
     * call that comes before either is ready fails (the engine then quietly queries the database):
     * the stampede must not measure that.
     *
     * @throws IllegalStateException if Redis does not answer within {@code limit}
     */
    static void awaitReachable(CacheBackend backend, String probe, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        CacheBackendException last;
        do {
            try {
                backend.generation("probe:" + probe);
                backend.locks().tryAcquire("probe:" + probe + ":lock", Duration.ofSeconds(5)).ifPresent(l -> l.release());
                return;
            } catch (CacheBackendException e) {
                last = e;
                Thread.sleep(50);
            }
        } while (System.nanoTime() < deadline);
        throw new IllegalStateException("Redis " + backend.describe() + " did not answer within " + limit.toSeconds() + " s: "
            + last.getMessage(), last);
    }

    /** Deletes every key under {@code prefix} (SCAN + UNLINK; never FLUSHALL); returns how many. */
    static long deleteKeys(String redisUri, String prefix) {
        RedisClient client = RedisClient.create(redisUri);
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            return RedisKeys.deleteUnder(connection.sync(), prefix);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
