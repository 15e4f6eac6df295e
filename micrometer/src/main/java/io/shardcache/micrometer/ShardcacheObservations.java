package io.shardcache.micrometer;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.shardcache.query.CacheKey;
import io.shardcache.query.spi.ReadTracer;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * shardcache's reads as Micrometer observations, so a tracer (Micrometer Tracing over Brave or
 * OpenTelemetry) shows them as spans under the caller's, and observation handlers time them:
 * <ul>
 * <li>{@code shardcache.read}: one read through the cache, with {@code shardcache.outcome} = {@code hit},
 *     {@code stale}, {@code miss} or {@code bypass};</li>
 * <li>{@code shardcache.lock.wait} under it: the wait for the regeneration lock ({@code acquired},
 *     {@code filled}, {@code timed-out});</li>
 * <li>{@code shardcache.regenerate} under it: the query that (re)computes the entry ({@code ok},
 *     {@code uncacheable}, or {@code error} with the exception).</li>
 * </ul>
 * Low-cardinality keys: {@code shardcache.region}, {@code shardcache.outcome} and OpenTelemetry's
 * {@code db.system.name} ({@code postgresql}) and, when given, {@code db.namespace} (the database's name);
 * high-cardinality: {@code shardcache.key}, the key's SHA-1.
 * Give it to {@code CachingDSL.Builder.tracer}. Thread-safe.
 */
public final class ShardcacheObservations implements ReadTracer {

    private final ObservationRegistry registry;
    private final @Nullable String dbNamespace;

    /** Observations without {@code db.namespace}. */
    public ShardcacheObservations(ObservationRegistry registry) {
        this(registry, null);
    }

    /**
     * Observations that name the database the cached queries read ({@code db.namespace}, as OpenTelemetry's
     * database conventions call PostgreSQL's database name), or none when {@code dbNamespace} is null.
     */
    public ShardcacheObservations(ObservationRegistry registry, @Nullable String dbNamespace) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.dbNamespace = dbNamespace;
    }

    @Override
    public Span start(String name, CacheKey key) {
        if (registry.isNoop())
            return Span.NONE;
        Observation observation = Observation.createNotStarted(name, registry)
            .contextualName(name.replace('.', ' ') + " " + key.region())
            .lowCardinalityKeyValue("shardcache.region", key.region())
            .lowCardinalityKeyValue("db.system.name", "postgresql")
            .highCardinalityKeyValue("shardcache.key", key.hash());
        if (dbNamespace != null)
            observation.lowCardinalityKeyValue("db.namespace", dbNamespace);
        observation.start();
        return new Started(observation, observation.openScope());
    }

    private static final class Started implements Span {
        private final Observation observation;
        private final Observation.Scope scope;
        private @Nullable String outcome;
        private boolean failed;

        Started(Observation observation, Observation.Scope scope) {
            this.observation = observation;
            this.scope = scope;
        }

        @Override
        public void outcome(String outcome) {
            this.outcome = outcome;
        }

        @Override
        public void failed(Throwable error) {
            failed = true;
            observation.error(error);
        }

        @Override
        public void end() {
            // Every observation of a name carries the same keys, so that the timers handlers make agree.
            String o = outcome;
            observation.lowCardinalityKeyValue("shardcache.outcome", o != null ? o : failed ? "error" : "ok");
            scope.close();
            observation.stop();
        }
    }
}
