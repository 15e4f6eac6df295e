package io.shardcache.query.internal;

import io.shardcache.query.CacheBackendException;
import io.shardcache.query.CacheKey;
import io.shardcache.query.Health;
import io.shardcache.query.LockTimeoutException;
import io.shardcache.query.OnBackendFailure;
import io.shardcache.query.OnLockTimeout;
import io.shardcache.query.OnRefreshFailure;
import io.shardcache.query.Region;
import io.shardcache.query.RegionStats;
import io.shardcache.query.Regions;
import io.shardcache.query.ShardcacheException;
import io.shardcache.query.spi.CacheBackend;
import io.shardcache.query.spi.CacheListener;
import io.shardcache.query.spi.LockWaitOutcome;
import io.shardcache.query.spi.ReadTracer;
import io.shardcache.query.spi.RegenerationLocks.Acquisition;
import io.shardcache.query.spi.RegenerationLocks.Lease;
import io.shardcache.query.spi.SkipReason;
import java.sql.SQLException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.random.RandomGenerator;
import org.jooq.Record;
import org.jooq.Result;
import org.jspecify.annotations.Nullable;

/**
 * The dogpile engine: serves a result from the cache, or has exactly one caller regenerate it.
 *
 * <h2>Algorithm</h2>
 * For a key in a region, {@link #fetch} reads the entry once and then:
 * <ol>
 * <li><b>Fresh</b> (younger than the soft TTL, not soft-invalidated, not picked for early refresh):
 *     decode and return it.</li>
 * <li><b>Stale</b> (past the soft TTL, within the hard TTL): the first caller in this JVM registers a
 *     flight for the key. With {@code asyncRefresh} it returns the stale rows at once, and a
 *     background thread takes the lock (waiting, if another JVM is refreshing, for its fill
 *     announcement, which ends the flight) and regenerates; without, the caller <em>tries</em> the
 *     lock without waiting and regenerates inline. Everyone else - other threads here that find the
 *     flight, and callers in other JVMs that find the lock taken - is served the stale rows and
 *     never waits.
 *     If an inline refresh fails, its caller too is served the stale rows (stale-if-error, bounded by
 *     the hard TTL) unless the region says {@link OnRefreshFailure#FAIL}; nothing is stored.</li>
 * <li><b>Missing</b>: callers in this JVM share one flight (a future); only its leader touches the
 *     distributed lock, waiting up to {@code lockWait}. Having the lock, it re-reads the entry (another
 *     JVM may have filled it meanwhile), else runs the query, stores, and releases the lock announcing
 *     the fill ({@link Lease#releaseFilled()}). A waiter that hears the announcement reads the entry
 *     without taking the lock, so the other JVMs' leaders all get the rows within a round trip of the
 *     store instead of handing the lock on one by one. When the wait runs out it follows
 *     {@link OnLockTimeout}.</li>
 * </ol>
 * With {@code earlyRefresh(beta)} a fresh entry is treated as stale with probability rising as its
 * expiry nears, scaled by how long it took to compute (XFetch, Vattani et al., VLDB 2015), so a hot
 * key is usually refreshed before it ever expires.
 *
 * <h2>Invariants</h2>
 * <ul>
 * <li>At most one flight per key per engine: {@code flights} holds it from the moment a leader is
 *     chosen until its outcome is published, and is removed only by its own leader.</li>
 * <li>A loader failure completes the flight exceptionally: every caller of that flight gets the
 *     exception, nothing is stored, and the lock is released.</li>
 * <li>Entries are only ever used after their envelope checksum and key fingerprint were verified; a
 *     damaged or foreign entry is a miss and is overwritten by the regeneration.</li>
 * <li>A backend failure never stops a caller from getting correct rows unless the region says
 *     {@link OnBackendFailure#FAIL}: the query then runs on the database, still under the JVM-local
 *     flight, and nothing is stored.</li>
 * <li>The lock is an efficiency device only; losing it costs at most a duplicate query.</li>
 * </ul>
 * <h2>Where the code is</h2>
 * This class keeps the read algorithm above ({@link #fetch}: fresh, stale, missing) and the
 * distributed lock around it; each other job has a class of its own:
 * <ul>
 * <li>{@link Lookups}: where an entry lives and what the cache (or the near cache) holds there,
 *     read with its generation counters in one call; lookups made ahead for a batch;</li>
 * <li>{@link Entries}: verifying and decoding what was read;</li>
 * <li>{@link Flights}: the JVM-local single flight, and which waiters may share its rows;</li>
 * <li>{@link Regeneration}: running the query and storing its rows if they qualify;</li>
 * <li>{@link GenerationBumps}: what a write bumps, and the retry of bumps the backend refused;</li>
 * <li>{@link BackendHealth}: {@code health()}.</li>
 * </ul>
 * The read path that leads here from {@code fromCache} is mapped in this package's
 * {@code package-info.java}. Thread-safe.
 */
public final class DogpileEngine {

    private final CacheBackend backend;
    private final Map<String, Telemetry> telemetry;
    private final InstantSource clock;
    private final RandomGenerator random;
    private final Executor refresher;
    /** Lock releases after a fill, and the retries of refused bumps: virtual threads of the engine's own. */
    private final ExecutorService releases = Executors.newVirtualThreadPerTaskExecutor();
    /** Background refreshes waiting for the lock; {@link #close} interrupts them. */
    private final java.util.Set<BackgroundWait> backgroundWaits = ConcurrentHashMap.newKeySet();

    /**
     * A background refresh waiting for another JVM's. {@link #close} interrupts it only while it
     * still waits: the thread may be a user's pooled one, so an interrupt must not outlive the wait.
     */
    private static final class BackgroundWait {
        private final Thread thread = Thread.currentThread();
        private boolean waiting = true;

        synchronized void interrupt() {
            if (waiting)
                thread.interrupt();
        }

        synchronized void done() {
            if (waiting) {
                waiting = false;
                Thread.interrupted();   // an interrupt from close() that came after the wait ended
            }
        }
    }
    private final ConcurrentHashMap<String, TableCounters> scopes = new ConcurrentHashMap<>();
    private final com.github.benmanes.caffeine.cache.Cache<String, QueryTables> analyses =
        com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(10_000).build();
    /** The session inputs of each connection provider caching DSLs read through (weak keys: by identity). */
    private final com.github.benmanes.caffeine.cache.Cache<org.jooq.ConnectionProvider, SessionInputs> sessions =
        com.github.benmanes.caffeine.cache.Caffeine.newBuilder().weakKeys().build();
    private final @Nullable NearCache near;
    private final GenerationBumps bumps;
    private final Flights flights;
    private final Lookups lookups;
    private final Entries entries;
    private final Regeneration regeneration;
    private final ReadTracer tracer;
    private final BackendHealth health;
    /** Each region's churn tracker; none for a region without the churn bypass. */
    private final Map<String, ChurnTracker> churn;
    private static final System.Logger LOG = System.getLogger(DogpileEngine.class.getName());

    public DogpileEngine(Regions regions, CacheBackend backend, CacheListener listener, InstantSource clock,
                         RandomGenerator random, Executor refresher, ReadTracer tracer) {
        this.backend = backend;
        this.tracer = tracer;
        this.clock = clock;
        this.random = random;
        this.refresher = refresher;
        Map<String, Telemetry> t = new HashMap<>();
        Map<String, ChurnTracker> c = new HashMap<>();
        for (Region r : regions.all()) {
            ChurnTracker tracker = r.churnBypass() ? new ChurnTracker(() -> clock.millis() * 1_000_000L) : null;
            if (tracker != null)
                c.put(r.name(), tracker);
            t.put(r.name(), new Telemetry(listener, tracker));
        }
        this.churn = Map.copyOf(c);
        this.telemetry = Map.copyOf(t);
        List<Region> withNear = regions.all().stream().filter(r -> r.nearCacheEntries() > 0).toList();
        NearCache n = withNear.isEmpty() ? null : new NearCache(withNear);
        if (n != null && !backend.watch(n)) {
            LOG.log(System.Logger.Level.WARNING, "regions " + withNear.stream().map(Region::name).toList()
                + " ask for a near cache, but the backend " + backend.describe() + " cannot notify changes: it is left off");
            n = null;
        }
        this.near = n;
        this.bumps = new GenerationBumps(backend, near, releases);
        this.flights = new Flights(bumps);
        this.lookups = new Lookups(List.copyOf(regions.all()), backend, near, bumps, this::onBackendFailure,
            (region, key) -> telemetryOf(region.name()).coalesced(key));
        this.entries = new Entries(backend, this::telemetryOf);
        this.regeneration = new Regeneration(backend, near, bumps, clock, this::telemetryOf, this::onBackendFailure, tracer);
        this.health = new BackendHealth(backend, bumps, near);
    }

    /** The near cache of the regions that have one; null when none has. */
    @Nullable NearCache near() {
        return near;
    }

    public CacheBackend backend() {
        return backend;
    }

    public RegionStats stats(String region) {
        return telemetryOf(region).snapshot();
    }

    /** The region's telemetry; the engine has one for every region it was made with, the only ones it is asked about. */
    private Telemetry telemetryOf(String region) {
        return Objects.requireNonNull(telemetry.get(region), "a region this engine was made without");
    }

    /** Whether the backend serves; see {@link BackendHealth}. */
    public Health health() {
        return health.health();
    }

    /** The key of a read that does not consult the cache (inside a transaction): no backend call. */
    public CacheKey keyOf(Region region, KeyMaterial naming, KeyMaterial fingerprint) {
        return lookups.keyOf(region, naming, fingerprint);
    }

    /** Names the entry for {@code naming} in the region's current generation; see {@link Lookups#lookup}. */
    public Lookup lookup(Region region, KeyMaterial naming, KeyMaterial fingerprint) {
        return lookups.lookup(region, naming, fingerprint);
    }

    /** Names the entry and reads it with its counters, for a read that goes on to {@link #fetch}; see {@link Lookups#lookupAndRead}. */
    public Lookup lookupAndRead(Region region, KeyMaterial naming, KeyMaterial fingerprint, TableCounters.Dependencies tables) {
        return lookups.lookupAndRead(region, naming, fingerprint, tables);
    }

    /** {@link #lookupAndRead} for many reads at once; see {@link Lookups#lookupAndReadAll}. */
    public List<Lookups.@Nullable Prefetched> lookupAndReadAll(List<Lookups.Want> wants) {
        return lookups.lookupAndReadAll(wants);
    }

    /** Runs {@code work} with {@code ready} offered to its read; see {@link Lookups#offering}. */
    public <T> T offering(Lookups.@Nullable Prefetched ready, Callable<T> work) throws Exception {
        return lookups.offering(ready, work);
    }

    /** Moves the region to a new generation: every entry of the old one is unreachable at once. */
    public void invalidate(Region region) {
        bumps.bumpOne(Lookups.regionCounter(region.name()));
    }

    /** Deletes an entry, here and from every near cache; true if the backend had it. */
    public boolean delete(Lookup k) {
        boolean had = backend.delete(k.region().name(), k.storageKey());
        if (near != null)
            near.evict(k.region().name(), k.storageKey());
        return had;
    }

    /** Bumps the counters of a write; see {@link GenerationBumps} for what happens when the backend cannot take them. */
    public void bump(List<String> tableCounters) {
        bumps.bump(tableCounters);
    }

    /** As {@link #bump}, but a failure is the caller's: nothing is kept for a retry. */
    public void bumpOrThrow(List<String> tableCounters) {
        bumps.bumpOrThrow(tableCounters);
    }

    /** The counters of a scope's tables; one per scope, shared by every DSL of this engine. */
    public TableCounters tableCounters(String scope) {
        TableCounters t = scopes.get(scope);
        return t != null ? t : scopes.computeIfAbsent(scope, s -> new TableCounters(s, analyses));
    }

    /** Marks every entry of the region stale: its soft generation moves past theirs. */
    public void invalidateSoft(Region region) {
        bumps.bumpOne(Lookups.softCounter(region.name()));
    }

    /** Deletes the entry stored under a custom key in the region's current generation. */
    public boolean deleteCustom(Region region, KeyContext keyContext, String customKey) throws SQLException {
        KeyMaterial naming = KeyMaterial.ofCustom(keyContext.get(), customKey);
        long generation = backend.generation(Lookups.regionCounter(region.name()));
        String storageKey = Lookups.storageKey(region.name(), generation, naming);
        boolean had = backend.delete(region.name(), storageKey);
        if (near != null)
            near.evict(region.name(), storageKey);
        return had;
    }

    /** Rewrites an entry as stale (it stays servable until its hard TTL); false if there is none. */
    public boolean markStale(Lookup k) {
        Entry e = entries.read(k);
        if (e == null)
            return false;
        long now = clock.millis();
        long left = e.hardExpiry() - now;
        if (left <= 0)
            return false;
        backend.put(k.region().name(), k.storageKey(), e.markedStale(now), Duration.ofMillis(left));
        backend.announceEntryChanged(k.region().name(), k.storageKey());
        if (near != null)
            near.evict(k.region().name(), k.storageKey());
        return true;
    }

    /**
     * The key context of a caching DSL on {@code connections}: its session inputs are shared by every
     * caching DSL on the same provider, so they are read once, not once per {@code on(...)}.
     */
    public KeyContext keyContext(org.jooq.ConnectionProvider connections, String scope, String... parts) {
        return new KeyContext(scope, sessions.get(connections, SessionInputs::new), parts);
    }

    /** Why reads of {@code sql} always pass through uncached, or null when they may be cached. */
    @Nullable String passesThrough(String sql) {
        return regeneration.passesThrough(sql);
    }

    /**
     * Whether a read of {@code naming} in {@code region} should skip the cache now because the key churns
     * ({@link io.shardcache.query.spi.SkipReason#CHURN}); the caller then runs it on the database and reports
     * {@link #skipped}.
     */
    public boolean churning(Region region, KeyMaterial naming) {
        ChurnTracker tracker = region.churnBypass() ? churn.get(region.name()) : null;
        return tracker != null && tracker.bypassing(naming.sha1Hex());
    }

    /** A read of {@code key} through the cache took {@code nanos}, whatever its outcome: for the churn bypass. */
    public void read(Region region, CacheKey key, long nanos) {
        ChurnTracker tracker = region.churnBypass() ? churn.get(region.name()) : null;
        if (tracker != null)
            tracker.read(key, nanos);
    }

    /** Telemetry for reads that never reach {@link #fetch}, such as those inside a transaction. */
    public void skipped(CacheKey key, SkipReason reason) {
        telemetryOf(key.region()).skipped(key, reason);
    }

    /**
     * The rows for {@code k}: from the cache, or from {@code loader} run by exactly one caller.
     *
     * @throws SQLException the loader's failure, for every caller of its flight
     */
    public Result<Record> fetch(Lookup k, Loader loader) throws SQLException {
        return fetch(k, loader, rows -> rows);
    }

    /**
     * As {@link #fetch(Lookup, Loader)}, for a caller that wants its own records: every outcome (cached
     * rows, or rows shared with other callers, which stay as they are) is handed to {@code adopt}.
     */
    Result<Record> fetch(Lookup k, Loader loader, java.util.function.UnaryOperator<Result<Record>> adopt) throws SQLException {
        ReadTracer.Span span = tracer.start(ReadTracer.READ, k.key());
        try {
            return read(k, loader, adopt, span);
        } catch (SQLException | RuntimeException | Error failure) {
            span.failed(failure);
            throw failure;
        } finally {
            span.end();
        }
    }

    private Result<Record> read(Lookup k, Loader loader, java.util.function.UnaryOperator<Result<Record>> adopt,
                                ReadTracer.Span span) throws SQLException {
        Telemetry t = telemetryOf(k.region().name());
        if (k.backendDown()) {
            span.outcome("bypass");
            t.skipped(k.key(), SkipReason.BACKEND_UNAVAILABLE);
            return adopt.apply(flights.join(k, () -> regeneration.regenerate(k, loader), () -> regeneration.regenerate(k, loader)));
        }
        Entry e;
        try {
            e = k.prefetched() ? entries.verified(k, k.entry(), true) : entries.read(k);
        } catch (CacheBackendException ex) {
            onBackendFailure(k.region(), k.key(), ex);
            span.outcome("bypass");
            t.skipped(k.key(), SkipReason.BACKEND_UNAVAILABLE);
            return adopt.apply(flights.join(k, () -> regeneration.regenerate(k, loader), () -> regeneration.regenerate(k, loader)));
        }
        if (e != null && !e.generationsAre(k.tables().hash(), k.generations())) {
            t.outdated(k.key());
            e = null;   // a table it read has been written since: never served, not even as stale
        }
        if (e != null) {
            long now = clock.millis();
            boolean fresh = now < e.softExpiry() && e.softGeneration() >= k.softGeneration();
            if (fresh && !pickedForEarlyRefresh(k.region(), e, now)) {
                Result<Record> rows = entries.decode(k, e);
                if (rows != null) {
                    span.outcome("hit");
                    t.hit(k.key());
                    if (k.nearEpoch() == Lookup.FROM_NEAR)
                        t.nearHit();
                    else if (k.nearEpoch() >= 0)   // a near epoch is only noted when there is a near cache
                        Objects.requireNonNull(near, "near cache").put(k.region().name(), k.storageKey(), e, e.softExpiry() - now,
                            k.nearEpoch());
                    return adopt.apply(rows);
                }
            } else if (now < e.hardExpiry()) {
                Result<Record> rows = entries.decode(k, e);
                if (rows != null) {
                    span.outcome(fresh ? "hit" : "stale");   // fresh here: picked for early refresh
                    return adopt.apply(refreshServingCurrent(k, rows, fresh, loader));
                }
            }
        }
        span.outcome("miss");
        t.miss(k.key());
        return adopt.apply(flights.join(k, () -> regenerateOnMiss(k, loader), () -> regeneration.regenerate(k, loader)));
    }

    /**
     * Stale (or picked for early refresh): one caller refreshes, everyone else gets {@code current}.
     * Every path out of here lands the flight it registered, so no caller can wait on it forever.
     */
    private Result<Record> refreshServingCurrent(Lookup k, Result<Record> current, boolean fresh, Loader loader) throws SQLException {
        Telemetry t = telemetryOf(k.region().name());
        String fk = k.flightKey();
        CompletableFuture<Loaded> mine = flights.lead(fk);
        if (mine == null)
            return served(t, k, current, fresh);
        // The entry's rows are valid for the generations the lookup read: a caller that joins this
        // flight having seen others (a write landed since) runs its own query.
        Loaded currentRows = new Loaded(current, true).at(k.generations(), bumps.localWrites());
        if (k.region().asyncRefresh() && loader.detachable())
            return refreshInBackground(k, currentRows, fresh, loader.detached(), fk, mine);
        Lease held = null;
        try {
            Optional<Lease> lease;
            try {
                lease = backend.locks().tryAcquire(k.lockKey(), k.region().lockLease());
            } catch (CacheBackendException ex) {
                t.backendError(k.key(), ex);
                lease = Optional.empty();
            }
            if (lease.isEmpty()) {
                // Another JVM is refreshing it.
                flights.land(fk, mine, currentRows);
                return served(t, k, current, fresh);
            }
            held = lease.get();
            Loaded loaded;
            try {
                loaded = regeneration.regenerate(k, loader, k.generations());
            } catch (Exception failure) {
                if (k.region().onRefreshFailure() != OnRefreshFailure.SERVE_STALE)
                    throw failure;
                // Stale-if-error: regenerate reported the failure and stored nothing; the caller
                // gets the rows it would have had if another caller were refreshing.
                flights.land(fk, mine, currentRows);
                return served(t, k, current, fresh);
            }
            flights.land(fk, mine, loaded);
            return loaded.result();
        } catch (Throwable failure) {
            flights.fail(fk, mine, failure);
            throw Flights.rethrow(failure);
        } finally {
            if (held != null)
                release(k, held);
        }
    }

    /**
     * With async refresh the caller gets {@code current} at once: even the lock is taken by the
     * background task, so no caller waits a round trip. The flight stays registered until that task
     * is done, so other callers in this JVM neither wait nor ask for the lock meanwhile. When another
     * JVM holds the lock, the task waits (up to {@code lockWait}) for its fill announcement and
     * refreshes only if that holder released without storing (its refresh failed, or it died).
     */
    private Result<Record> refreshInBackground(Lookup k, Loaded currentRows, boolean fresh, Loader detached, String fk,
                                               CompletableFuture<Loaded> mine) {
        Result<Record> current = currentRows.result();
        Telemetry t = telemetryOf(k.region().name());
        try {
            refresher.execute(() -> {
                BackgroundWait me = new BackgroundWait();
                backgroundWaits.add(me);
                Lease lease = null;
                boolean filled = false;
                try {
                    Acquisition got;
                    try {
                        got = backend.locks().acquire(k.lockKey(), k.region().lockWait(), k.region().lockLease());
                    } catch (CacheBackendException ex) {
                        t.backendError(k.key(), ex);
                        got = Acquisition.TIMED_OUT;
                    }
                    backgroundWaits.remove(me);
                    me.done();
                    if (!(got instanceof Acquisition.Held held)) {
                        flights.land(fk, mine, currentRows);   // filled by another JVM, or it took too long
                        return;
                    }
                    lease = held.lease();
                    Reread now = reread(k);
                    if (now.rows() != null) {                         // filled while we waited for the lock
                        filled = true;
                        flights.land(fk, mine, now.loaded());
                        return;
                    }
                    Loaded loaded = regeneration.regenerate(k, detached, now.generations());
                    filled = loaded.stored();
                    flights.land(fk, mine, loaded);
                } catch (InterruptedException closing) {
                    flights.land(fk, mine, currentRows);
                } catch (Throwable failure) {
                    flights.fail(fk, mine, failure);   // already reported by load; the stale rows were served
                } finally {
                    backgroundWaits.remove(me);
                    me.done();
                    if (lease != null)
                        release(k, lease, filled);
                }
            });
        } catch (RejectedExecutionException closed) {
            flights.land(fk, mine, currentRows);
        }
        return served(t, k, current, fresh);
    }

    private static Result<Record> served(Telemetry t, Lookup k, Result<Record> rows, boolean fresh) {
        if (fresh)
            t.hit(k.key());
        else
            t.staleServed(k.key());
        return rows;
    }

    /**
     * A miss, run by this JVM's flight leader: waits for the lock or for the holder's announcement
     * that the entry was filled, whichever comes first, so that when one JVM's regeneration lands
     * every other JVM reads it at once instead of taking the lock in turn.
     */
    private Loaded regenerateOnMiss(Lookup k, Loader loader) throws Exception {
        Region r = k.region();
        Telemetry t = telemetryOf(r.name());
        long start = System.nanoTime();
        long deadline = start + r.lockWait().toNanos();
        while (true) {
            Acquisition got;
            ReadTracer.Span wait = tracer.start(ReadTracer.LOCK_WAIT, k.key());
            try {
                got = backend.locks().acquire(k.lockKey(), Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), r.lockLease());
                wait.outcome(got instanceof Acquisition.Held ? "acquired" : got instanceof Acquisition.Filled ? "filled" : "timed-out");
            } catch (CacheBackendException ex) {
                wait.failed(ex);
                wait.end();
                onBackendFailure(r, k.key(), ex);
                return regeneration.regenerate(k, loader);
            } catch (InterruptedException ie) {
                wait.failed(ie);
                wait.end();
                Thread.currentThread().interrupt();
                throw new ShardcacheException("interrupted while waiting for the regeneration lock of " + k.key(), ie);
            }
            wait.end();
            Duration waited = Duration.ofNanos(System.nanoTime() - start);
            if (got instanceof Acquisition.Held held) {
                t.lockWaited(k.key(), waited, LockWaitOutcome.ACQUIRED);
                return regenerateHolding(k, loader, held.lease());
            }
            if (got instanceof Acquisition.Filled) {
                Reread filled = reread(k);
                if (filled.rows() != null) {
                    t.lockWaited(k.key(), waited, LockWaitOutcome.FILLED);
                    t.hit(k.key());
                    return filled.loaded();
                }
                // Announced, but not there for this statement (evicted at once, or another statement's
                // rows under a shared custom key): wait on for the rest of lockWait.
                if (deadline - System.nanoTime() > 0)
                    continue;
            }
            t.lockWaited(k.key(), waited, LockWaitOutcome.TIMED_OUT);
            if (r.onLockTimeout() == OnLockTimeout.FAIL)
                throw new LockTimeoutException(k.key(), waited, r.lockWait(), r.lockLease());
            Reread now = reread(k);
            if (now.rows() != null) {
                t.hit(k.key());
                return now.loaded();
            }
            return regeneration.regenerate(k, loader, now.generations());
        }
    }

    /** Holding the lock: re-reads (another JVM may have filled it meanwhile), else regenerates and stores. */
    private Loaded regenerateHolding(Lookup k, Loader loader, Lease lease) throws Exception {
        boolean filled = false;
        try {
            Reread now = reread(k);
            if (now.rows() != null) {
                filled = true;
                telemetryOf(k.region().name()).hit(k.key());
                return now.loaded();
            }
            Loaded loaded = regeneration.regenerate(k, loader, now.generations());
            filled = loaded.stored();
            return loaded;
        } finally {
            if (filled)
                releaseFilledInBackground(k, lease);
            else
                release(k, lease, false);
        }
    }

    /**
     * The entry is stored, so no caller here needs to wait for the announcement and the unlock (two
     * round trips on the leader's caller's time): a virtual thread of the engine's own releases. Not the refresher, which may be a user's bounded
     * pool busy with long refreshes while other JVMs wait for this announcement. Inline once closed.
     */
    private void releaseFilledInBackground(Lookup k, Lease lease) {
        try {
            releases.execute(() -> release(k, lease, true));
        } catch (RejectedExecutionException closed) {
            release(k, lease, true);
        }
    }

    /**
     * Ends background refreshes that are waiting for another JVM's (they land with the stale rows)
     * and waits for the lock releases under way; the backend must outlive this.
     */
    public void close() {
        bumps.close();
        backgroundWaits.forEach(BackgroundWait::interrupt);
        releases.close();
        if (near != null) {
            backend.unwatch(near);
            near.connectionChanged(false);
        }
    }

    /**
     * What the backend holds now, read after waiting or taking the lock: the entry's rows if it is
     * fresh and its tables unwritten since it was computed, and the tables' current generations,
     * which a regeneration that follows must find unchanged to store its rows.
     *
     * @param rows        null when there is no servable entry
     * @param generations null when the backend could not be read: nothing may then be stored
     */
    private record Reread(@Nullable Result<Record> rows, long @Nullable [] generations, long writesBefore) {
        /** Only when {@link #rows} is not null: every caller checks that first. */
        Loaded loaded() {
            return new Loaded(Objects.requireNonNull(rows, "rows"), true).at(generations, writesBefore);
        }
    }

    private Reread reread(Lookup k) {
        long writesBefore = bumps.localWrites();
        try {
            Lookups.Counters names = lookups.countersOf(k.region().name());
            CacheBackend.Read read = backend.read(k.region().name(), k.storageKey(), names.with(k.tables().counters()));
            long[] values = read.generations();
            long[] generations = Arrays.copyOfRange(values, 2, values.length);
            Entry e = entries.verified(k, read.entry(), false);   // a rejection of this entry was reported by the first read
            long now = clock.millis();
            if (e != null && now < e.softExpiry() && e.softGeneration() >= values[1] && e.generationsAre(k.tables().hash(), generations))
                return new Reread(entries.decode(k, e, false), generations, writesBefore);
            return new Reread(null, generations, writesBefore);
        } catch (CacheBackendException ex) {
            telemetryOf(k.region().name()).backendError(k.key(), ex);
            return new Reread(null, null, writesBefore);
        }
    }

    private boolean pickedForEarlyRefresh(Region r, Entry e, long now) {
        double beta = r.earlyRefresh();
        if (beta <= 0 || e.regenMicros() <= 0)
            return false;
        double deltaMillis = e.regenMicros() / 1000.0;
        // 1 - nextDouble() is in (0, 1], so the logarithm is finite and <= 0.
        return now - deltaMillis * beta * Math.log(1.0 - random.nextDouble()) >= e.softExpiry();
    }

    private void release(Lookup k, Lease lease) {
        release(k, lease, false);
    }

    /** Releases; {@code filled} also tells the lock's waiters that the entry is there to read. */
    private void release(Lookup k, Lease lease, boolean filled) {
        try {
            if (filled)
                lease.releaseFilled();
            else
                lease.release();
        } catch (CacheBackendException ex) {
            // The lease expires on its own; only efficiency is at stake.
            telemetryOf(k.region().name()).backendError(k.key(), ex);
        }
    }

    private void onBackendFailure(Region r, CacheKey key, CacheBackendException ex) {
        telemetryOf(r.name()).backendError(key, ex);
        if (r.onBackendFailure() == OnBackendFailure.FAIL)
            throw new CacheBackendException("cache backend " + backend.describe() + " failed for " + key
                + " in region '" + r.name() + "' (onBackendFailure=FAIL): " + ex.getMessage(), ex);
    }

}
