package io.shardcache.micrometer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.shardcache.query.CacheBackendException;
import io.shardcache.query.CacheKey;
import io.shardcache.query.CachingDSL;
import io.shardcache.query.Health;
import io.shardcache.query.spi.CacheListener;
import io.shardcache.query.spi.LockWaitOutcome;
import io.shardcache.query.spi.SkipReason;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * shardcache's meters in a Micrometer registry: a {@link CacheListener} to hand to
 * {@link CachingDSL.Builder#listener}, and gauges of a caching DSL's health ({@link #bindTo}).
 *
 * <pre>{@code
 * ShardcacheMetrics metrics = ShardcacheMetrics.builder(registry).perShard(true).build();
 * CachingDSL cached = CachingDSL.builder(dsl, regions).backend(redis).listener(metrics).build();
 * metrics.bindTo(cached, "orders");   // the health gauge, tagged with a name for this cache
 * }</pre>
 *
 * <p>Meters, each tagged {@code region} (and {@code shard}, the logical shard, with
 * {@link Builder#perShard}):
 * <ul>
 *   <li>{@code shardcache.cache.gets} (counter), tag {@code result}: {@code hit}, {@code miss},
 *       {@code stale} (a stale entry served while it is refreshed);</li>
 *   <li>{@code shardcache.cache.regenerations} (timer): the query run on the database for a key;</li>
 *   <li>{@code shardcache.cache.reads.coalesced} (counter): reads of a remote backend that shared the call
 *       another caller of this JVM sent for the same entry (read coalescing);</li>
 *   <li>{@code shardcache.cache.lock.waits} (timer), tag {@code outcome}: a miss waiting for another
 *       caller's regeneration;</li>
 *   <li>{@code shardcache.cache.skipped} (counter), tag {@code reason}: rows not stored or the cache
 *       not consulted; {@code reason=table_written} counts fills rejected by the generation check;</li>
 *   <li>{@code shardcache.cache.errors} (counter), tag {@code source}: {@code backend} or {@code query}.</li>
 * </ul>
 * and, tagged {@code backend}: {@code shardcache.backend.circuit.opened} (counter) and
 * {@code shardcache.backend.circuit.open} (gauge, 1 while open). {@link #bindTo} adds
 * {@code shardcache.backend.health} (gauge: 1 UP, 0.5 DEGRADED, 0 DOWN; each read of it reads the
 * backend once, see {@link CachingDSL#health()}).
 *
 * <p>Per-shard tags multiply the meters by the number of logical shards that are read: keep them off
 * for thousands of shards unless the registry can take it. Thread-safe; a hit costs two map look-ups
 * and a counter increment.
 */
public final class ShardcacheMetrics implements CacheListener {

    private final MeterRegistry registry;
    private final Tags common;
    private final boolean perShard;
    /** region, then scope ("" unless per shard), then its meters. */
    private final Map<String, Map<String, RegionMeters>> meters = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> circuits = new ConcurrentHashMap<>();

    private ShardcacheMetrics(Builder b) {
        this.registry = b.registry;
        this.common = b.tags;
        this.perShard = Boolean.TRUE.equals(b.perShard);
    }

    public static Builder builder(MeterRegistry registry) {
        return new Builder(registry);
    }

    /**
     * Registers {@code shardcache.backend.health} for {@code cached}, tagged with its backend and
     * {@code name}, e.g. the application's name for the cache.
     */
    public ShardcacheMetrics bindTo(CachingDSL cached, String name) {
        Objects.requireNonNull(cached, "cached");
        Objects.requireNonNull(name, "name");
        Gauge.builder("shardcache.backend.health", cached, c -> score(c.health()))
            .description("1 UP, 0.5 DEGRADED, 0 DOWN: whether the cache backend serves (CachingDSL.health())")
            .tags(common).tag("cache", name)
            .register(registry);
        return this;
    }

    static double score(Health h) {
        return switch (h.status()) {
            case UP -> 1;
            case DEGRADED -> 0.5;
            case DOWN -> 0;
        };
    }

    private RegionMeters of(CacheKey key) {
        String scope = perShard ? key.scope() : "";
        Map<String, RegionMeters> byScope = meters.get(key.region());
        if (byScope == null)
            byScope = meters.computeIfAbsent(key.region(), r -> new ConcurrentHashMap<>());
        RegionMeters m = byScope.get(scope);
        return m != null ? m : byScope.computeIfAbsent(scope, s -> new RegionMeters(key.region(), s));
    }

    @Override
    public void hit(CacheKey key) {
        of(key).hits.increment();
    }

    @Override
    public void miss(CacheKey key) {
        of(key).misses.increment();
    }

    @Override
    public void staleServed(CacheKey key) {
        of(key).stale.increment();
    }

    @Override
    public void coalesced(CacheKey key) {
        of(key).coalesced.increment();
    }

    @Override
    public void regenerated(CacheKey key, Duration took) {
        of(key).regenerations.record(took);
    }

    @Override
    public void lockWaited(CacheKey key, Duration waited, LockWaitOutcome outcome) {
        of(key).lockWait(outcome).record(waited);
    }

    @Override
    public void skipped(CacheKey key, SkipReason reason) {
        of(key).skipped(reason).increment();
    }

    @Override
    public void error(CacheKey key, Throwable error) {
        RegionMeters m = of(key);
        (error instanceof CacheBackendException ? m.backendErrors : m.queryErrors).increment();
    }

    @Override
    public void circuitOpened(String backend, Duration openFor, Throwable cause) {
        circuit(backend).set(1);
        Counter.builder("shardcache.backend.circuit.opened").description("times the backend's circuit breaker opened")
            .tags(common).tag("backend", backend).register(registry).increment();
    }

    @Override
    public void circuitClosed(String backend, Duration openFor) {
        circuit(backend).set(0);
    }

    private AtomicInteger circuit(String backend) {
        return circuits.computeIfAbsent(backend, b -> {
            AtomicInteger state = new AtomicInteger();
            Gauge.builder("shardcache.backend.circuit.open", state, AtomicInteger::get)
                .description("1 while the backend's circuit breaker is open: reads run on the database")
                .tags(common).tag("backend", b).register(registry);
            return state;
        });
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /** The meters of one region (and shard). */
    private final class RegionMeters {
        private final Tags tags;
        private final Counter hits, misses, stale, backendErrors, queryErrors, coalesced;
        private final Timer regenerations;
        /** By ordinal: every reason and outcome registered up front, then only read, without a lock. */
        private final Counter[] skipped = new Counter[SkipReason.values().length];
        private final Timer[] lockWaits = new Timer[LockWaitOutcome.values().length];

        RegionMeters(String region, String scope) {
            Tags t = common.and("region", region);
            tags = perShard ? t.and("shard", scope) : t;
            hits = gets("hit");
            misses = gets("miss");
            stale = gets("stale");
            backendErrors = errors("backend");
            queryErrors = errors("query");
            coalesced = Counter.builder("shardcache.cache.reads.coalesced")
                .description("backend reads shared with another caller of this JVM instead of made again")
                .tags(tags).register(registry);
            regenerations = Timer.builder("shardcache.cache.regenerations").description("queries run on the database to fill an entry")
                .tags(tags).register(registry);
            for (SkipReason r : SkipReason.values())
                skipped[r.ordinal()] = Counter.builder("shardcache.cache.skipped").description("rows not stored, or the cache not consulted, by reason")
                    .tags(tags).tag("reason", lower(r)).register(registry);
            for (LockWaitOutcome o : LockWaitOutcome.values())
                lockWaits[o.ordinal()] = Timer.builder("shardcache.cache.lock.waits")
                    .description("misses waiting for another caller's regeneration, by how the wait ended")
                    .tags(tags).tag("outcome", lower(o)).register(registry);
        }

        private Counter gets(String result) {
            return Counter.builder("shardcache.cache.gets").description("reads through the cache, by result")
                .tags(tags).tag("result", result).register(registry);
        }

        private Counter errors(String source) {
            return Counter.builder("shardcache.cache.errors").description("failures of the backend or of the query")
                .tags(tags).tag("source", source).register(registry);
        }

        Counter skipped(SkipReason reason) {
            return skipped[reason.ordinal()];
        }

        Timer lockWait(LockWaitOutcome outcome) {
            return lockWaits[outcome.ordinal()];
        }
    }

    /** Settings of {@link ShardcacheMetrics}; each may be set once. Not thread-safe. */
    public static final class Builder {
        private final MeterRegistry registry;
        private Tags tags = Tags.empty();
        private boolean tagsSet;
        private @Nullable Boolean perShard;

        private Builder(MeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
        }

        /**
         * Tags every meter with the logical shard of its key too ({@code shard}, "" for unsharded reads).
         *
         * @throws IllegalStateException if already set
         */
        public Builder perShard(boolean perShard) {
            if (this.perShard != null)
                throw new IllegalStateException("perShard is already set to " + this.perShard);
            this.perShard = perShard;
            return this;
        }

        /**
         * Tags added to every meter, e.g. the application's name.
         *
         * @throws IllegalStateException if already set
         */
        public Builder tags(Iterable<Tag> tags) {
            Objects.requireNonNull(tags, "tags");
            if (tagsSet)
                throw new IllegalStateException("tags are already set to " + this.tags);
            this.tags = Tags.of(tags);
            this.tagsSet = true;
            return this;
        }

        public ShardcacheMetrics build() {
            return new ShardcacheMetrics(this);
        }
    }
}
