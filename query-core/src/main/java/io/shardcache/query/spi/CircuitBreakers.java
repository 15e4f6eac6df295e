package io.shardcache.query.spi;

import io.shardcache.query.internal.CircuitBreaker;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;

/**
 * Circuit breakers for backends made of several servers, one per server (see
 * {@link CacheBackend#breaksPerServer()}): the same breaker a {@code CachingDSL} puts around a whole
 * backend. {@code failures} consecutive failures of a server open its circuit for {@code openFor}:
 * its calls then fail at once, until one call after {@code openFor} succeeds as a probe (or a
 * {@link CacheBackend#incrementGenerationsNow} retry does, whenever it comes).
 */
public final class CircuitBreakers {

    private CircuitBreakers() {
    }

    /**
     * {@code server} behind a circuit breaker of its own; closing the result does not close {@code server}.
     *
     * @throws IllegalArgumentException if {@code failures < 1} or {@code openFor} is not positive
     */
    public static CacheBackend guard(CacheBackend server, int failures, Duration openFor, CacheListener listener) {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(openFor, "openFor");
        Objects.requireNonNull(listener, "listener");
        return new CircuitBreaker(server, failures, openFor, InstantSource.system(), listener);
    }

    /**
     * A closed {@link Circuit} for the server {@code name}, for a backend whose calls span several
     * servers (a Redis Cluster's masters): it admits and reports each call's parts itself.
     *
     * @throws IllegalArgumentException if {@code failures < 1} or {@code openFor} is not positive
     */
    public static Circuit circuit(String name, int failures, Duration openFor, CacheListener listener) {
        return new Circuit(name, failures, openFor, InstantSource.system(), listener);
    }
}
