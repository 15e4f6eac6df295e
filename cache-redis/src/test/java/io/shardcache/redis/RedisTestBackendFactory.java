package io.shardcache.redis;

import io.shardcache.query.TestBackendFactory;
import io.shardcache.query.spi.CacheBackend;
import io.shardcache.query.spi.RegenerationLocks;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.TestServices;
import java.time.Duration;
import java.time.InstantSource;

/**
 * Runs query-core's integration tests (scanned from its test jar by this module's Failsafe) on
 * Redis: each test gets a {@link RedisCacheBackend} under a key prefix of its own, whose keys are
 * deleted when the test closes it. Found through {@code META-INF/services}.
 */
public final class RedisTestBackendFactory implements TestBackendFactory {

    @Override
    public CacheBackend create(String testName, InstantSource clock) {
        RedisService redis = TestServices.redis();
        String prefix = RedisService.uniquePrefix(testName);
        return new Cleaning(RedisCacheBackend.builder(redis.uri()).keyPrefix(prefix).build(), redis, prefix);
    }

    /** The backend, plus: closing it deletes every key under its prefix (never anything else). */
    private record Cleaning(CacheBackend delegate, RedisService redis, String prefix) implements CacheBackend {
        @Override
        public byte[] get(String region, String key) {
            return delegate.get(region, key);
        }

        @Override
        public Read read(String region, String key, String generationCounter, String softCounter) {
            return delegate.read(region, key, generationCounter, softCounter);
        }

        @Override
        public void put(String region, String key, byte[] entry, Duration timeToLive) {
            delegate.put(region, key, entry, timeToLive);
        }

        @Override
        public boolean delete(String region, String key) {
            return delegate.delete(region, key);
        }

        @Override
        public long generation(String counter) {
            return delegate.generation(counter);
        }

        @Override
        public long incrementGeneration(String counter) {
            return delegate.incrementGeneration(counter);
        }

        @Override
        public RegenerationLocks locks() {
            return delegate.locks();
        }

        @Override
        public String describe() {
            return delegate.describe();
        }

        @Override
        public void close() {
            try {
                delegate.close();
            } finally {
                try (RawRedis raw = new RawRedis(redis)) {
                    raw.deleteAll(prefix);
                }
            }
        }
    }
}
