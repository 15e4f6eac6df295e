package io.shardcache.query.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.shardcache.query.Region;
import io.shardcache.query.spi.CacheBackend;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The in-process tier in front of a remote backend: entries of the regions that ask for one, and a
 * mirror of the generation counters those entries are checked against, both kept current by the
 * backend's change notifications ({@link CacheBackend#watch}).
 *
 * <h2>Why a near hit is as correct as a backend hit, up to notification delay</h2>
 * A near hit checks its entry exactly as a backend hit does, against the mirror's counter values
 * instead of values read in the same round trip. The mirror only ever moves a counter forward
 * (notifications and reads may arrive in any order; the larger value is the newer), so once the
 * notification of a bump has arrived, no copy computed before it is served. Values are served from
 * the mirror only while notifications flow ({@link #connectionChanged}); when the connection drops
 * or comes back (either way some may have been missed) everything learnt is forgotten. A read that
 * began before such a reset must not refill the mirror or the cache with what it saw: each carries
 * the epoch it began in, and what it learns is dropped when the epoch moved.
 *
 * <p>This process's own bumps and deletes take effect here before they return ({@link #bumped},
 * {@link #evict}), so a process never serves itself rows older than its own writes.
 *
 * <h2>A bounded mirror</h2>
 * The mirror holds only counters this process has read (a notification of a counter it does not
 * hold is not kept: every JVM's bumps of every shard's tables would otherwise pile up here), and at
 * most {@value #MAX_COUNTERS}; past that it is forgotten whole, as on a reset, and refilled by the
 * reads that follow. Dropping a notification must not let a read that began before it put back the
 * older value it read: each notification of a counter not held moves a stamp of that counter's
 * stripe first, and a read may add a counter only if the stripe's stamp has not moved since it
 * began ({@link Ticket}).
 *
 * <p>Thread-safe; the notification methods run on the backend's thread.
 */
final class NearCache implements CacheBackend.Watcher {

    /**
     * A copy, verified when it was kept, and how long it may be served: until its soft expiry, and at
     * most the region's maxAge.
     */
    private record Copy(Entry entry, long ttlNanos) {
    }

    private final Map<String, Cache<String, Copy>> regions;
    private final Map<String, Long> maxAgeNanos;
    /** The most counters the mirror holds before it is forgotten whole. */
    static final int MAX_COUNTERS = 65_536;
    private static final int STRIPES = 4_096;

    private final ConcurrentHashMap<String, Long> generations = new ConcurrentHashMap<>();
    /** Per stripe of counter names: moves when a notification of a counter the mirror does not hold is dropped. */
    private final java.util.concurrent.atomic.AtomicLongArray stamps = new java.util.concurrent.atomic.AtomicLongArray(STRIPES);
    /** Moves on every reset and every entry change: a copy read before it moved is not kept. */
    private final AtomicLong epoch = new AtomicLong();
    /** Moves on every reset: counter values read before it moved are not kept. */
    private final AtomicLong resets = new AtomicLong();
    private volatile boolean live;
    /** The latest {@link #caughtUp} time, in {@link System#nanoTime()}; {@link #NEVER} until one after the last reset. */
    private volatile long caughtUpAt = NEVER;
    /** True once the backend has said {@link #caughtUp} at all: only then is the lag bound applied. */
    private volatile boolean reportsLag;
    private static final long NEVER = Long.MIN_VALUE;

    NearCache(List<Region> withNearCache) {
        Map<String, Cache<String, Copy>> r = new HashMap<>();
        Map<String, Long> ages = new HashMap<>();
        for (Region region : withNearCache) {
            r.put(region.name(), Caffeine.newBuilder()
                .maximumSize(region.nearCacheEntries())
                .expireAfter(Expiry.<String, Copy>creating((k, v) -> java.time.Duration.ofNanos(v.ttlNanos())))
                .executor(Runnable::run)
                .build());
            ages.put(region.name(), region.nearCacheMaxAge().toNanos());
        }
        this.regions = Map.copyOf(r);
        this.maxAgeNanos = Map.copyOf(ages);
    }

    boolean covers(String region) {
        return regions.containsKey(region);
    }

    /** True while notifications flow: only then is anything served from here. */
    boolean live() {
        return live;
    }

    long epoch() {
        return epoch.get();
    }

    /**
     * True unless the backend reports how far its messages have been delivered and this cache may
     * be more than {@code maxLagNanos} behind.
     */
    boolean caughtUpWithin(long maxLagNanos) {
        if (!reportsLag)
            return true;
        long at = caughtUpAt;
        return at != NEVER && System.nanoTime() - at <= maxLagNanos;
    }

    @Override
    public void caughtUp(long askedAtNanos) {
        reportsLag = true;
        long at = caughtUpAt;
        if (at == NEVER || askedAtNanos - at > 0)
            caughtUpAt = askedAtNanos;
    }

    /** The mirrored values of {@code counters}, or null unless every one is known and notifications flow. */
    long @Nullable [] known(List<String> counters) {
        if (!live)
            return null;
        long[] values = new long[counters.size()];
        for (int i = 0; i < values.length; i++) {
            Long v = generations.get(counters.get(i));
            if (v == null)
                return null;
            values[i] = v;
        }
        return values;
    }

    /** The copy stored under {@code key}, or null. */
    @Nullable Entry get(String region, String key) {
        Copy c = cache(region).getIfPresent(key);
        return c == null ? null : c.entry();
    }

    /**
     * What a read that is about to ask the backend notes first, so that what it learns can be
     * refused if something it could have missed happened meanwhile: the resets, and the stamps of
     * its counters' stripes.
     */
    record Ticket(long resets, long[] stamps) {
    }

    Ticket ticket(List<String> counters) {
        long r = resets.get();
        long[] s = new long[counters.size()];
        for (int i = 0; i < s.length; i++)
            s[i] = stamps.get(stripe(counters.get(i)));
        return new Ticket(r, s);
    }

    private static int stripe(String counter) {
        int h = counter.hashCode();
        return (h ^ (h >>> 16)) & (STRIPES - 1);
    }

    /** Remembers counter values read from the backend by a read that took {@code ticket} before it asked. */
    void learn(List<String> counters, long[] values, Ticket ticket) {
        long since = ticket.resets();
        if (!live || resets.get() != since)
            return;
        for (int i = 0; i < values.length; i++) {
            long value = values[i];
            long stamp = ticket.stamps()[i];
            String counter = counters.get(i);
            generations.compute(counter, (c, held) -> {
                if (held != null)
                    return Math.max(held, value);
                return stamps.get(stripe(c)) == stamp ? Long.valueOf(value) : null;
            });
        }
        if (resets.get() != since)   // a reset raced with us: what we wrote may predate it
            counters.forEach(generations::remove);
        if (generations.size() > MAX_COUNTERS)
            forgetCounters();
    }

    /** Forgets every counter, as a reset does, but keeps the copies (they are served again once their counters are read). */
    private void forgetCounters() {
        resets.incrementAndGet();
        generations.clear();
    }

    /**
     * Keeps a copy of an entry read (or stored) by a read that began in epoch {@code since}, for
     * {@code freshForMillis} (its remaining soft TTL) and at most the region's maxAge.
     */
    void put(String region, String key, Entry entry, long freshForMillis, long since) {
        if (!live || epoch.get() != since || freshForMillis <= 0)
            return;
        long maxAge = Objects.requireNonNull(maxAgeNanos.get(region), "a region it does not cover");
        long ttl = Math.min(maxAge, freshForMillis * 1_000_000L);
        Cache<String, Copy> cache = cache(region);
        cache.put(key, new Copy(entry, ttl));
        if (epoch.get() != since)
            cache.invalidate(key);
    }

    /** The copies of a region it {@link #covers}: only those are asked for or kept. */
    private Cache<String, Copy> cache(String region) {
        return Objects.requireNonNull(regions.get(region), "a region it does not cover");
    }

    /** This process bumped {@code counters} to {@code values}. */
    void bumped(List<String> counters, long[] values) {
        for (int i = 0; i < values.length; i++)
            generationChanged(counters.get(i), values[i]);
    }

    /**
     * The entry under {@code key} was deleted or rewritten (by this process, or another's
     * notification): drop the copy, and refuse copies of reads that began before.
     */
    void evict(String region, String key) {
        epoch.incrementAndGet();
        Cache<String, Copy> cache = regions.get(region);
        if (cache != null)
            cache.invalidate(key);
    }

    /**
     * Moves a counter the mirror holds forward. One it does not hold is not added; its stripe's
     * stamp moves first, so that a read under way cannot add the older value it read.
     */
    @Override
    public void generationChanged(String counter, long value) {
        if (generations.computeIfPresent(counter, (c, held) -> Math.max(held, value)) == null) {
            stamps.incrementAndGet(stripe(counter));
            generations.computeIfPresent(counter, (c, held) -> Math.max(held, value));   // added between the two
        }
    }

    /** How many counters the mirror holds; for tests. */
    int mirrored() {
        return generations.size();
    }

    @Override
    public void entryChanged(String key) {
        int colon = key.indexOf(':');
        if (colon > 0)
            evict(key.substring(0, colon), key);
    }

    @Override
    public void connectionChanged(boolean live) {
        this.live = false;
        caughtUpAt = NEVER;   // what was delivered on the old connection says nothing of the new one
        resets.incrementAndGet();
        epoch.incrementAndGet();
        generations.clear();
        regions.values().forEach(Cache::invalidateAll);
        this.live = live;
    }

    /** How many copies a region holds now; for tests. */
    long size(String region) {
        Cache<String, Copy> cache = regions.get(region);
        if (cache == null)
            return 0;
        cache.cleanUp();
        return cache.estimatedSize();
    }
}
