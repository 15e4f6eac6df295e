package io.shardcache.query;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.shardcache.query.internal.LocalLocks;
import io.shardcache.query.internal.Options;
import io.shardcache.query.spi.CacheBackend;
import io.shardcache.query.spi.RegenerationLocks;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Cache entries in this process's heap, on Caffeine: one cache per region, each bounded by the
 * bytes its entries take, evicting by Caffeine's W-TinyLFU and expiring each entry at its hard TTL.
 * It is the default backend of {@link CachingDSL#wrap(org.jooq.DSLContext, Regions)}.
 *
 * <p>Entries are the same encoded bytes Redis would hold (so sizes are exact and cached results can
 * never be mutated by a caller); generations are in-memory counters; regeneration locks are local.
 * Nothing is shared with other processes: for a cluster-wide cache use the Redis backend.
 *
 * <p>Thread-safe. It cannot fail, so {@link OnBackendFailure} never applies to it.
 */
public final class InProcessCacheBackend implements CacheBackend {

    /** The byte budget of each region unless {@link Builder#maxBytes(String, long)} says otherwise. */
    public static final long DEFAULT_MAX_BYTES_PER_REGION = 64L << 20;

    // Rough per-entry overhead of the map node, key string and array header, in bytes.
    private static final int ENTRY_OVERHEAD = 96;

    private final long defaultMaxBytes;
    private final Map<String, Long> maxBytes;
    private final Ticker ticker;
    private final ConcurrentHashMap<String, Cache<String, Stored>> regions = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicLong> generations = new ConcurrentHashMap<>();
    private final LocalLocks locks = new LocalLocks();
    private final List<Watcher> watchers = new CopyOnWriteArrayList<>();

    private record Stored(byte[] bytes, long ttlNanos) {
    }

    private InProcessCacheBackend(Builder b) {
        this.defaultMaxBytes = b.defaultMaxBytes;
        this.maxBytes = Map.copyOf(b.maxBytes);
        InstantSource clock = b.clock;
        this.ticker = clock == null ? Ticker.systemTicker() : () -> nanos(clock.instant());
    }

    /** A backend with {@link #DEFAULT_MAX_BYTES_PER_REGION} per region. */
    public static InProcessCacheBackend create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public byte @Nullable [] get(String region, String key) {
        Stored s = cache(region).getIfPresent(key);
        return s == null ? null : s.bytes();
    }

    @Override
    public void put(String region, String key, byte[] entry, Duration timeToLive) {
        cache(region).put(key, new Stored(entry, timeToLive.toNanos()));
    }

    /** Atomic: increments take the same lock, so no counter can move between the check and the store. */
    @Override
    public boolean putIfGenerations(String region, String key, byte[] entry, Duration timeToLive, List<String> counters,
                                    long[] expected) {
        synchronized (generations) {
            for (int i = 0; i < expected.length; i++)
                if (generation(counters.get(i)) != expected[i])
                    return false;
            put(region, key, entry, timeToLive);
            return true;
        }
    }

    @Override
    public boolean delete(String region, String key) {
        boolean removed = cache(region).asMap().remove(key) != null;
        announceEntryChanged(region, key);
        return removed;
    }

    @Override
    public long generation(String counter) {
        AtomicLong g = generations.get(counter);
        return g == null ? 0 : g.get();
    }

    @Override
    public long incrementGeneration(String counter) {
        synchronized (generations) {
            long value = generations.computeIfAbsent(counter, c -> new AtomicLong()).incrementAndGet();
            for (Watcher w : watchers)
                w.generationChanged(counter, value);
            return value;
        }
    }

    @Override
    public long[] incrementGenerations(List<String> counters) {
        synchronized (generations) {
            return CacheBackend.super.incrementGenerations(counters);
        }
    }

    @Override
    public void announceEntryChanged(String region, String key) {
        for (Watcher w : watchers)
            w.entryChanged(key);
    }

    /** Watchers are told synchronously, by the thread that made the change. */
    @Override
    public boolean watch(Watcher watcher) {
        watchers.add(Objects.requireNonNull(watcher, "watcher"));
        watcher.connectionChanged(true);
        return true;
    }

    @Override
    public void unwatch(Watcher watcher) {
        watchers.remove(watcher);
    }

    @Override
    public RegenerationLocks locks() {
        return locks;
    }

    /** False: its reads are map look-ups, faster than callers could be joined to share one. */
    @Override
    public boolean isRemote() {
        return false;
    }

    @Override
    public String describe() {
        return "in-process";
    }

    /** Bytes currently held by a region's entries (Caffeine's weighted size), for tests and metrics. */
    public long weightedSize(String region) {
        return cache(region).policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
    }

    private Cache<String, Stored> cache(String region) {
        Cache<String, Stored> c = regions.get(region);
        return c != null ? c : regions.computeIfAbsent(region, this::newCache);
    }

    private Cache<String, Stored> newCache(String region) {
        return Caffeine.newBuilder()
            .maximumWeight(maxBytes.getOrDefault(region, defaultMaxBytes))
            .weigher((String k, Stored v) -> v.bytes().length + 2 * k.length() + ENTRY_OVERHEAD)
            .expireAfter(new Expiry<String, Stored>() {
                @Override
                public long expireAfterCreate(String key, Stored value, long currentTime) {
                    return value.ttlNanos();
                }

                @Override
                public long expireAfterUpdate(String key, Stored value, long currentTime, long currentDuration) {
                    return value.ttlNanos();
                }

                @Override
                public long expireAfterRead(String key, Stored value, long currentTime, long currentDuration) {
                    return currentDuration;
                }
            })
            .ticker(ticker)
            .executor(Runnable::run)   // maintenance on the caller: deterministic, no extra threads
            .build();
    }

    private static long nanos(Instant i) {
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    /** Settings for {@link InProcessCacheBackend}; each may be set once. */
    public static final class Builder {
        private long defaultMaxBytes = DEFAULT_MAX_BYTES_PER_REGION;
        private boolean defaultSet;
        private final Map<String, Long> maxBytes = new HashMap<>();
        private @Nullable InstantSource clock;

        private Builder() {
        }

        /** The byte budget of every region not named in {@link #maxBytes(String, long)}. */
        public Builder maxBytesPerRegion(long bytes) {
            if (defaultSet)
                throw new IllegalStateException("maxBytesPerRegion is already set to " + defaultMaxBytes);
            if (bytes <= 0)
                throw new IllegalArgumentException("maxBytesPerRegion must be positive, got " + bytes);
            defaultMaxBytes = bytes;
            defaultSet = true;
            return this;
        }

        /** The byte budget of one region. */
        public Builder maxBytes(String region, long bytes) {
            Objects.requireNonNull(region, "region");
            if (bytes <= 0)
                throw new IllegalArgumentException("maxBytes of region '" + region + "' must be positive, got " + bytes);
            if (maxBytes.putIfAbsent(region, bytes) != null)
                throw new IllegalStateException("maxBytes of region '" + region + "' is already set to " + maxBytes.get(region));
            return this;
        }

        /** The clock that expires entries; tests move it instead of sleeping. Default: the system's. */
        public Builder clock(InstantSource clock) {
            Options.once("clock", this.clock);
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public InProcessCacheBackend build() {
            return new InProcessCacheBackend(this);
        }
    }
}
