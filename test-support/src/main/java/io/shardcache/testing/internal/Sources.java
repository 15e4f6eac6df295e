package io.shardcache.testing.internal;

import io.shardcache.testing.PostgresService;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.ServiceSource;
import java.util.EnumMap;
import java.util.Map;

/**
 * The real attempts behind {@link io.shardcache.testing.TestServices}: one per {@link ServiceSource}, for
 * each service. Not for use outside shardcache's test-support.
 */
public final class Sources {
    private static final System.Logger LOG = System.getLogger("io.shardcache.testing");

    private Sources() {
    }

    /** Resolves PostgreSQL; see {@link Resolver} for the order. */
    public static PostgresService postgres(Settings settings) {
        boolean forced = settings.forcedSource().isPresent();
        Map<ServiceSource, Resolver.Attempt<PostgresService>> attempts = new EnumMap<>(ServiceSource.class);
        attempts.put(ServiceSource.ENV, () -> {
            PostgresService service = Urls.parsePostgres(Settings.PG_URL, configured(settings, Settings.PG_URL));
            Probes.postgres(service);
            return service;
        });
        attempts.put(ServiceSource.LOOPBACK, () -> {
            PostgresService service = new PostgresService(ServiceSource.LOOPBACK, "127.0.0.1", 5432, "postgres",
                    "postgres", "");
            Probes.postgres(service);
            return service;
        });
        attempts.put(ServiceSource.TESTCONTAINERS, () -> Containers.postgres(forced));
        // The server's own shutdown hook stops it when the JVM exits.
        attempts.put(ServiceSource.EMBEDDED, () -> LocalPostgres.start().service());
        return resolver(settings).resolve("PostgreSQL", Settings.PG_URL, attempts, PostgresService::address);
    }

    /** Resolves Redis; see {@link Resolver} for the order. */
    public static RedisService redis(Settings settings) {
        boolean forced = settings.forcedSource().isPresent();
        Map<ServiceSource, Resolver.Attempt<RedisService>> attempts = new EnumMap<>(ServiceSource.class);
        attempts.put(ServiceSource.ENV, () -> {
            RedisService service = Urls.parseRedis(Settings.REDIS_URL, configured(settings, Settings.REDIS_URL));
            Probes.redis(service);
            return service;
        });
        attempts.put(ServiceSource.LOOPBACK, () -> {
            RedisService service = new RedisService(ServiceSource.LOOPBACK, "127.0.0.1", 6379);
            Probes.redis(service);
            return service;
        });
        attempts.put(ServiceSource.TESTCONTAINERS, () -> Containers.redis(forced));
        attempts.put(ServiceSource.EMBEDDED, () -> LocalRedis.start().service());
        return resolver(settings).resolve("Redis", Settings.REDIS_URL, attempts, RedisService::address);
    }

    private static Resolver resolver(Settings settings) {
        return new Resolver(settings, line -> LOG.log(System.Logger.Level.INFO, line));
    }

    private static String configured(Settings settings, String variable) throws SourceUnavailable {
        return settings.get(variable).orElseThrow(() -> new SourceUnavailable(variable
                + " is not set (neither as system property nor as environment variable)"));
    }
}
