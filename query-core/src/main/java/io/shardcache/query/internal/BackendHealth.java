package io.shardcache.query.internal;

import io.shardcache.query.CacheBackendException;
import io.shardcache.query.Health;
import io.shardcache.query.spi.CacheBackend;
import io.shardcache.query.spi.Circuit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Whether a caching DSL's backend serves, for {@code CachingDSL.health()}. Thread-safe. */
final class BackendHealth {

    private final CacheBackend backend;
    private final GenerationBumps bumps;
    private final @Nullable NearCache near;

    BackendHealth(CacheBackend backend, GenerationBumps bumps, @Nullable NearCache near) {
        this.backend = backend;
        this.bumps = bumps;
        this.near = near;
    }

    /** The counter {@link #health} reads to see that the backend answers; nothing writes it. */
    private static final String HEALTH_COUNTER = "health";

    /**
     * Whether the backend serves: its circuit's state (or each server's, for a backend that keeps one
     * per server: some open is degraded, all open is down), one read of a counter nobody writes, and what
     * this engine holds back (bumps not flushed, a near cache bypassed). While the circuit is open the
     * backend is not called, except once {@code openFor} has passed: that read is then the breaker's
     * probe, so a readiness check polling this closes the circuit as soon as the backend is back.
     */
    Health health() {
        List<String> reasons = new ArrayList<>();
        if (backend instanceof CircuitBreaker breaker) {
            Circuit.State c = breaker.state();
            if (c.open() && !c.probeDue())
                return new Health(Health.Status.DOWN, backend.describe(), List.of("its circuit has been open for "
                    + c.openForMillis() + " ms after " + c.threshold() + " consecutive failures (reads run on the database); last failure: "
                    + c.lastFailure()));
            if (!c.open() && c.failures() > 0)   // an open circuit due a probe: the read below is that probe
                reasons.add(c.failures() + " consecutive failures just now (the circuit opens at " + c.threshold() + "); last: "
                    + c.lastFailure());
        }
        if (backend.breaksPerServer()) {
            // A server's circuit open costs its keys only: degraded; every server's, the whole cache: down.
            Map<String, Circuit.State> circuits = backend.circuits();
            int open = 0;
            for (Map.Entry<String, Circuit.State> e : circuits.entrySet()) {
                Circuit.State c = e.getValue();
                if (c.open()) {
                    open++;
                    reasons.add("the circuit of " + e.getKey() + " has been open for " + c.openForMillis() + " ms after " + c.threshold()
                        + " consecutive failures (reads of its keys run on the database); last failure: " + c.lastFailure());
                } else if (c.failures() > 0) {
                    reasons.add(c.failures() + " consecutive failures of " + e.getKey() + " just now (its circuit opens at "
                        + c.threshold() + "); last: " + c.lastFailure());
                }
            }
            if (!circuits.isEmpty() && open == circuits.size())
                return new Health(Health.Status.DOWN, backend.describe(), reasons);
        }
        try {
            backend.generation(HEALTH_COUNTER);
        } catch (CacheBackendException e) {
            if (!backend.breaksPerServer())
                return new Health(Health.Status.DOWN, backend.describe(), List.of("it did not answer: " + e.getMessage()));
            reasons.add("the server of the health check's counter did not answer: " + e.getMessage());   // the others may
        }
        if (!bumps.allFlushed())
            reasons.add(bumps.unflushedCount() + " generation bumps of earlier writes have not reached it: this process reads "
                + "around the cache until they do");
        if (near != null && !near.live())
            reasons.add("the near cache is bypassed: change notifications are not flowing");
        return new Health(reasons.isEmpty() ? Health.Status.UP : Health.Status.DEGRADED, backend.describe(), reasons);
    }
}
