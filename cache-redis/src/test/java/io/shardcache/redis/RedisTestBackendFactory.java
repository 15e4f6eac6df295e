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
 *
 * <p>With the system property {@value #CLUSTER} set to {@code true} (the {@code query-core-on-cluster}
 * execution of the build), the backends run on a Redis Cluster of three {@code redis-server}
 * masters, started once for the JVM and stopped when it exits.
 */
public final class RedisTestBackendFactory implements TestBackendFactory {

    /** The system property that puts query-core's tests on a Redis Cluster. */
    public static final String CLUSTER = "shardcache.test.redisCluster";

    private static RedisClusterProcesses cluster;

    @Override
    public CacheBackend create(String testName, InstantSource clock) {
        String prefix = RedisService.uniquePrefix(testName);
        if (Boolean.getBoolean(CLUSTER)) {
            RedisClusterProcesses c = cluster();
            return new Cleaning(RedisCacheBackend.clusterBuilder(c.seeds()).keyPrefix(prefix).build(), () -> c.deleteAll(prefix));
        }
        RedisService redis = TestServices.redis();
        return new Cleaning(RedisCacheBackend.builder(redis.uri()).keyPrefix(prefix).build(), () -> {
            try (RawRedis raw = new RawRedis(redis)) {
                raw.deleteAll(prefix);
            }
        });
    }

    private static synchronized RedisClusterProcesses cluster() {
        if (cluster == null) {
            try {
                cluster = RedisClusterProcesses.start(3);
            } catch (Exception e) {
                throw new IllegalStateException("could not start a Redis Cluster for " + CLUSTER + "=true", e);
            }
            RedisClusterProcesses started = cluster;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    started.close();
                } catch (Exception e) {
                    // the JVM is exiting; its children are killed with it
                }
            }));
        }
        return cluster;
    }

    /** The backend, plus: closing it deletes every key under its prefix (never anything else). */
    private static final class Cleaning extends ForwardingCacheBackend {
        private final Runnable clean;

        Cleaning(CacheBackend delegate, Runnable clean) {
            super(delegate);
            this.clean = clean;
        }

        @Override
        public void close() {
            try {
                super.close();
            } finally {
                clean.run();
            }
        }
    }
}
