package io.shardcache.query.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * How a circuit breaker trips and recovers: {@code failures} consecutive failures open it for {@code openFor},
 * and {@code listener} hears it open and close. One value for every breaker shardcache makes: the one a
 * {@code CachingDSL} puts around a backend, and those of a backend that keeps one per server.
 *
 * @param failures consecutive failures that open the circuit; at least 1
 * @param openFor  how long an open circuit refuses calls before one probes the server; positive
 * @param listener told when a circuit opens and closes
 */
public record CircuitSettings(int failures, Duration openFor, CacheListener listener) {

    /** 3 failures, 1 s, nobody told: the default of every breaker. */
    public static final CircuitSettings DEFAULT = new CircuitSettings(3, Duration.ofSeconds(1), CacheListener.NONE);

    /**
     * Checks the settings.
     *
     * @throws IllegalArgumentException if {@code failures < 1} or {@code openFor} is not positive
     */
    public CircuitSettings {
        check(failures, openFor);
        Objects.requireNonNull(listener, "listener");
    }

    /** The same settings, told to {@code listener}. */
    public CircuitSettings withListener(CacheListener listener) {
        return new CircuitSettings(failures, openFor, listener);
    }

    static void check(int failures, Duration openFor) {
        Objects.requireNonNull(openFor, "openFor");
        if (failures < 1)
            throw new IllegalArgumentException("circuit breaker failures must be at least 1, got " + failures);
        if (openFor.isNegative() || openFor.isZero())
            throw new IllegalArgumentException("circuit breaker openFor must be positive, got " + openFor);
    }
}
