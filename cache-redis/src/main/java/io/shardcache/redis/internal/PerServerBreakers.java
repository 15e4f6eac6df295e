package io.shardcache.redis.internal;

import io.shardcache.query.spi.CacheListener;
import java.time.Duration;
import java.util.Objects;

/**
 * The settings of a circuit breaker per server ({@code circuitBreakerPerServer} of a ring's or a
 * cluster backend's builder), checked when made: {@code failures < 1} or an {@code openFor} that is not
 * positive is an {@link IllegalArgumentException}.
 */
public record PerServerBreakers(int failures, Duration openFor, CacheListener listener) {

    /** 3 failures, 1 s, as a {@code CachingDSL}'s breaker; nobody told. */
    public static final PerServerBreakers DEFAULT = new PerServerBreakers(3, Duration.ofSeconds(1), CacheListener.NONE);

    public PerServerBreakers {
        Objects.requireNonNull(openFor, "openFor");
        Objects.requireNonNull(listener, "listener");
        if (failures < 1)
            throw new IllegalArgumentException("circuitBreakerPerServer failures must be at least 1, got " + failures);
        if (openFor.isNegative() || openFor.isZero())
            throw new IllegalArgumentException("circuitBreakerPerServer openFor must be positive, got " + openFor);
    }
}
