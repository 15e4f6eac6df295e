package io.shardcache.spring.autoconfigure;

import io.shardcache.query.CachingDSL;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * {@link CachingDSL#health()} as Actuator health: {@code UP}; {@code DEGRADED} (a status of its own, which
 * Boot's default order ranks with the unknown ones, so it does not take the application down: reads still
 * answer, some from the database); {@code DOWN} when the backend does not serve (reads run on PostgreSQL).
 * The details name the backend and the reasons. To keep a readiness probe up while Redis is down, leave
 * {@code shardcache} out of the readiness group.
 */
public final class ShardcacheHealthIndicator implements HealthIndicator {

    /** The cache serves, but part of it is bypassed. */
    public static final Status DEGRADED = new Status("DEGRADED", "part of the cache is bypassed; reads still answer");

    private final CachingDSL cached;

    public ShardcacheHealthIndicator(CachingDSL cached) {
        this.cached = cached;
    }

    @Override
    public Health health() {
        io.shardcache.query.Health h = cached.health();
        Health.Builder b = switch (h.status()) {
            case UP -> Health.up();
            case DEGRADED -> Health.status(DEGRADED);
            case DOWN -> Health.down();
        };
        b.withDetail("backend", h.backend());
        if (!h.reasons().isEmpty())
            b.withDetail("reasons", h.reasons());
        return b.build();
    }
}
