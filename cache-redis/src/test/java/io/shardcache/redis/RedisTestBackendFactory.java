package io.shardcache.redis;

import io.shardcache.query.TestBackendFactory;
import io.shardcache.query.spi.CacheBackend;
import io.shardcache.query.spi.ForwardingCacheBackend;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.TestServices;
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
    private static final class Cleaning extends ForwardingCacheBackend {
        private final RedisService redis;
        private final String prefix;

        Cleaning(CacheBackend delegate, RedisService redis, String prefix) {
            super(delegate);
            this.redis = redis;
            this.prefix = prefix;
        }

        @Override
        public void close() {
            try {
                super.close();
            } finally {
                try (RawRedis raw = new RawRedis(redis)) {
                    raw.deleteAll(prefix);
                }
            }
        }
    }
}
