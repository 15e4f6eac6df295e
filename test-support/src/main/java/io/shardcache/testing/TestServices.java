package io.shardcache.testing;

import io.shardcache.testing.internal.Once;
import io.shardcache.testing.internal.Settings;
import io.shardcache.testing.internal.Sources;

/**
 * The PostgreSQL and Redis servers that shardcache's tests share, found on first use and kept for the life
 * of the JVM.
 *
 * <p>Each service is looked for separately, in this order, and the first that answers wins:
 * <ol>
 *   <li>{@code env}: the address in {@code SHARDCACHE_PG_URL}
 *       ({@code jdbc:postgresql://host:port/db?user=..&password=..} or {@code postgresql://user:pass@host:port/db}) or {@code SHARDCACHE_REDIS_URL}
 *       ({@code redis://[user:pass@]host:port}), read as a Java system property first, then as an
 *       environment variable. When set, it is the only source tried: a wrong address fails instead of
 *       quietly falling back to another server.</li>
 *   <li>{@code loopback}: PostgreSQL on 127.0.0.1:5432 as user {@code postgres} without a password, database
 *       {@code postgres}; Redis on 127.0.0.1:6379 answering {@code PING}. Probes time out after 500 ms.</li>
 *   <li>{@code testcontainers}: {@code postgres:16-alpine} and {@code redis:7-alpine} containers, when a
 *       Docker engine answers. Skipped quietly when there is no sign of an engine.</li>
 *   <li>{@code embedded}: servers started from binaries in Maven artifacts, as by {@link EmbeddedServices},
 *       stopped by a shutdown hook. Works when the JVM runs as root.</li>
 * </ol>
 * {@code SHARDCACHE_SERVICES=env|loopback|testcontainers|embedded} (property or variable) forces one source
 * for both services, to prove a fallback works. The choice is logged once per service at INFO through
 * {@link System.Logger} {@code io.shardcache.testing}, for example
 * {@code shardcache test services: PostgreSQL from loopback 127.0.0.1:5432/postgres}.
 *
 * <p>Both methods are thread-safe; concurrent first callers wait for one search. If no source works they
 * throw {@link TestServicesException} listing every source tried and why it failed, and keep throwing it:
 * a test never skips because a service is missing.
 */
public final class TestServices {
    private static final Once<PostgresService> POSTGRES = new Once<>(() -> Sources.postgres(Settings.fromSystem()));
    private static final Once<RedisService> REDIS = new Once<>(() -> Sources.redis(Settings.fromSystem()));

    private TestServices() {
    }

    /**
     * The shared PostgreSQL server, connected to database {@code postgres}. Tests create their own schemas
     * (see {@link TestSchema}) or databases and drop only those.
     *
     * @throws TestServicesException if no source works
     */
    public static PostgresService postgres() {
        return POSTGRES.get();
    }

    /**
     * The shared Redis server. Tests keep their keys under {@link RedisService#uniquePrefix(String)}.
     *
     * @throws TestServicesException if no source works
     */
    public static RedisService redis() {
        return REDIS.get();
    }
}
