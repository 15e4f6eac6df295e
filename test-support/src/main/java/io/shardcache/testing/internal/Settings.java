package io.shardcache.testing.internal;

import io.shardcache.testing.ServiceSource;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The knobs of test-service resolution, each read as a Java system property first and an environment
 * variable second; blank counts as unset. Not for use outside shardcache's test-support.
 */
public final class Settings {
    /** Address of a PostgreSQL server to use instead of searching. */
    public static final String PG_URL = "SHARDCACHE_PG_URL";
    /** Address of a Redis server to use instead of searching. */
    public static final String REDIS_URL = "SHARDCACHE_REDIS_URL";
    /** Forces one {@link ServiceSource} for both services. */
    public static final String SERVICES = "SHARDCACHE_SERVICES";

    private final UnaryOperator<String> lookup;

    private Settings(UnaryOperator<String> lookup) {
        this.lookup = lookup;
    }

    /** System properties, then the environment. */
    public static Settings fromSystem() {
        return new Settings(name -> {
            String property = System.getProperty(name);
            return property != null && !property.isBlank() ? property : System.getenv(name);
        });
    }

    /** Fixed values, for tests. */
    public static Settings of(Map<String, String> values) {
        return new Settings(values::get);
    }

    public Optional<String> get(String name) {
        return Optional.ofNullable(lookup.apply(name)).filter(value -> !value.isBlank());
    }

    /**
     * The one source {@code SHARDCACHE_SERVICES} forces, if it names one.
     *
     * @throws io.shardcache.testing.TestServicesException if {@code SHARDCACHE_SERVICES} names no source
     */
    public Optional<ServiceSource> forcedSource() {
        return ServiceSource.parseForced(get(SERVICES).orElse(null));
    }
}
