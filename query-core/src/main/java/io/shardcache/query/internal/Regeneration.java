package io.shardcache.query.internal;

import io.shardcache.query.CacheBackendException;
import io.shardcache.query.Region;
import io.shardcache.query.spi.CacheBackend;
import io.shardcache.query.spi.ReadTracer;
import io.shardcache.query.spi.SkipReason;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Regeneration: runs a read's query ({@link Loader}) and stores its rows, only if they qualify
 * (committed, not from a replica that may lag, accepted by the region's {@code cacheIf}, encodable,
 * not too large) and only if no table they were read from was written since the generations read
 * before the query ran (the backend's checked store). Rows that qualify are kept in the near cache
 * too. SQL whose results can never be cached is remembered, so its reads skip the cache for a while.
 * Thread-safe.
 */
final class Regeneration {

    private final CacheBackend backend;
    private final @Nullable NearCache near;
    private final GenerationBumps bumps;
    private final InstantSource clock;
    private final Entries.Telemetries telemetry;
    private final ReadTracer tracer;
    private final Lookups.OnFailure onFailure;
    /**
     * SQL texts whose results can never be served from the cache (a column type no cached result set
     * can reproduce), with the reason: their reads skip the lookup and the lock and run on the database.
     * Forgotten after a while, so that a table whose column types changed is cached again.
     */
    private final com.github.benmanes.caffeine.cache.Cache<String, String> passThrough =
        com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(PASS_THROUGH_REMEMBERED).build();
    private static final Duration PASS_THROUGH_REMEMBERED = Duration.ofMinutes(10);

    Regeneration(CacheBackend backend, @Nullable NearCache near, GenerationBumps bumps, InstantSource clock,
                 Entries.Telemetries telemetry, Lookups.OnFailure onFailure, ReadTracer tracer) {
        this.backend = backend;
        this.tracer = tracer;
        this.near = near;
        this.bumps = bumps;
        this.clock = clock;
        this.telemetry = telemetry;
        this.onFailure = onFailure;
    }

    /** Why reads of {@code sql} always pass through uncached, or null when they may be cached. */
    @Nullable String passesThrough(String sql) {
        return passThrough.getIfPresent(sql);
    }

    /**
     * Runs the loader; stores its rows if {@code generations} (read before it ran) is not null, the
     * rows qualify, and the tables were not written meanwhile. Rows read before such a write are
     * returned to this caller (its read began before the write committed) but not shared with
     * callers waiting on the flight, who may have asked after the commit returned.
     */
    Loaded regenerate(Lookup k, Loader loader, long @Nullable [] generations) throws Exception {
        long writesBefore = bumps.localWrites();
        Timed timed = load(k, loader);
        Loaded loaded = timed.loaded().at(generations, writesBefore);
        if (generations == null)
            return loaded;
        Stored outcome = store(k, loaded, timed.micros(), generations);
        return switch (outcome) {
            case STORED -> loaded.asStored();
            case TABLE_WRITTEN -> new Loaded(loaded.result(), false);
            case SKIPPED -> loaded;
        };
    }

    /** Runs the loader and stores nothing (the backend is down: only this JVM's writes are known). */
    Loaded regenerate(Lookup k, Loader loader) throws Exception {
        long writesBefore = bumps.localWrites();
        return load(k, loader).loaded().at(null, writesBefore);
    }

    /** Rows from the loader, and how long it took. */
    private record Timed(Loaded loaded, long micros) {
    }

    private Timed load(Lookup k, Loader loader) throws Exception {
        Telemetry t = telemetry.of(k.region().name());
        ReadTracer.Span span = tracer.start(ReadTracer.REGENERATE, k.key());
        long start = System.nanoTime();
        Loaded loaded;
        try {
            loaded = loader.load();
        } catch (Uncacheable u) {
            span.outcome("uncacheable");
            span.end();
            // Not a failure: the caller runs the read itself and hands over the live result set.
            t.skipped(k.key(), u.reason);
            if (u.bySql && loader instanceof StatementLoader s)
                passThrough.put(s.sql(), u.why);
            throw u;
        } catch (Exception | Error failure) {
            span.failed(failure);
            span.end();
            t.loadFailed(k.key(), failure);
            throw failure;
        }
        span.end();
        long nanos = System.nanoTime() - start;
        t.regenerated(k.key(), Duration.ofNanos(nanos));
        return new Timed(loaded, nanos / 1000);
    }

    private enum Stored { STORED, TABLE_WRITTEN, SKIPPED }

    /** Stores the rows if they qualify and no table they were read from was written since {@code generations}. */
    private Stored store(Lookup k, Loaded loaded, long regenMicros, long[] generations) {
        Region r = k.region();
        Telemetry t = telemetry.of(r.name());
        if (!loaded.committed()) {
            t.skipped(k.key(), SkipReason.TRANSACTION);
            return Stored.SKIPPED;
        }
        if (loaded.fromReplica() && !k.tables().counters().isEmpty()) {
            t.skipped(k.key(), SkipReason.REPLICA);
            return Stored.SKIPPED;
        }
        if (!r.cacheIf().test(loaded.result())) {
            t.skipped(k.key(), SkipReason.DECLINED);
            return Stored.SKIPPED;
        }
        byte[] payload;
        try {
            payload = ResultCodec.encode(loaded.result());
        } catch (UnsupportedValueException e) {
            t.skipped(k.key(), SkipReason.UNSUPPORTED_TYPE);
            return Stored.SKIPPED;
        }
        byte[] entry = Entry.encode(clock.millis(), r.ttl().toMillis(), r.hardTtl().toMillis(), regenMicros,
            k.softGeneration(), k.tables().hash(), generations, k.fingerprint().fingerprintUnsafe(), payload, r.compressAbove());
        if (entry.length > r.maxEntryBytes()) {
            t.skipped(k.key(), SkipReason.TOO_LARGE);
            return Stored.SKIPPED;
        }
        try {
            if (!backend.putIfGenerations(r.name(), k.storageKey(), entry, r.hardTtl(), k.tables().counters(), generations)) {
                t.skipped(k.key(), SkipReason.TABLE_WRITTEN);
                return Stored.TABLE_WRITTEN;
            }
            t.stored();
            if (k.nearEpoch() >= 0)
                keepNear(k, entry);
            return Stored.STORED;
        } catch (CacheBackendException ex) {
            onFailure.met(r, k.key(), ex);
            return Stored.SKIPPED;
        }
    }

    private void keepNear(Lookup k, byte[] stored) {
        try {
            Entry e = Entry.decode(stored);
            NearCache n = Objects.requireNonNull(near, "near cache");   // called for a lookup with a near epoch only
            n.put(k.region().name(), k.storageKey(), e, e.softExpiry() - clock.millis(), k.nearEpoch());
        } catch (MalformedEntryException impossible) {
            throw new IllegalStateException("an entry just encoded does not decode", impossible);
        }
    }
}
