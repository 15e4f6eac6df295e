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
import io.shardcache.query.spi.RegenerationLocks.Acquisition;
import io.shardcache.query.spi.RegenerationLocks.Lease;
import io.shardcache.query.spi.SkipReason;
import java.sql.SQLException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
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
 * Thread-safe.
 */
public final class DogpileEngine {

    /** Runs the query on the database. */
    public interface Loader {
        Loaded load() throws Exception;

        /** A loader safe to run later on another thread (its inputs copied); the default is itself. */
        default Loader detached() {
            return this;
        }

        /**
         * False when the loader must run on the caller's thread, e.g. on a user's single connection,
         * which a background thread must not use while its owner does; such refreshes run inline.
         */
        default boolean detachable() {
            return true;
        }
    }

    /**
     * A freshly loaded result.
     *
     * @param committed    false when the connection was inside a transaction: the rows may be uncommitted
     * @param stored       true when they were stored
     * @param generations  the table generations the rows are known to be valid for (read before the
     *                     query ran), or null when unknown
     * @param writesBefore this JVM's write count before they were read ({@link #localWrites}); -1
     *                     when unknown, which shares them with nobody
     * @param fromReplica  read on a replica, which may not have replayed a write whose bump the
     *                     generations read before already include: never stored under them
     */
    public record Loaded(Result<Record> result, boolean committed, boolean stored, long @Nullable [] generations, long writesBefore,
                         boolean fromReplica) {
        public Loaded(Result<Record> result, boolean committed) {
            this(result, committed, false, null, -1, false);
        }

        Loaded asStored() {
            return new Loaded(result, committed, true, generations, writesBefore, fromReplica);
        }

        /** These rows, known valid for {@code generations} and read after {@code writesBefore} local writes. */
        Loaded at(long @Nullable [] generations, long writesBefore) {
            return new Loaded(result, committed, stored, generations, writesBefore, fromReplica);
        }

        /** These rows, read on a replica when {@code replica}: they may lag the generations read before. */
        Loaded onReplica(boolean replica) {
            return new Loaded(result, committed, stored, generations, writesBefore, replica);
        }

        /**
         * Whether a caller who joined the flight after {@code joinedAfter} local writes, and whose
         * lookup saw {@code seen}, may have these rows: only if no write it could know of (one of
         * this JVM's that returned before it joined, or any that moved the generations it read)
         * may have committed after they were read.
         */
        boolean shareableWith(long[] seen, long joinedAfter) {
            return committed && joinedAfter <= writesBefore && (generations == null || Arrays.equals(generations, seen));
        }
    }

    /**
     * Where an entry lives; made by {@link #lookup}.
     *
     * @param tables      the generation counters of the tables the statement reads ({@link TableCounters})
     * @param generations their values when the entry was read, parallel to {@code tables}: an entry is
     *                    used only if it records these, and a regeneration stores only if they hold
     * @param nearEpoch   the near cache's epoch when the backend was read, so that what was read may be
     *                    kept there; {@link #NOT_NEAR} when there is no near cache, {@link #FROM_NEAR}
     *                    when the entry came from it
     */
    public record Lookup(Region region, CacheKey key, String storageKey, KeyMaterial fingerprint,
                         long softGeneration, boolean backendDown, boolean prefetched, byte @Nullable [] entry,
                         TableCounters.Dependencies tables, long[] generations, long nearEpoch) {
        static final long NOT_NEAR = -1;
        static final long FROM_NEAR = -2;

        String lockKey() {
            return storageKey + ":lock";
        }

        /**
         * The JVM-local flight of this exact statement: the entry's name plus the statement's
         * fingerprint, because several statements can share one name (a custom key) and must never
         * share each other's rows.
         */
        String flightKey() {
            return storageKey + "#" + HexFormat.of().formatHex(fingerprint.fingerprintUnsafe());
        }
    }

    /**
     * Completes a flight whose rows may be uncommitted, or were read before a write that may have
     * committed before a waiter asked: each waiter then runs its own query.
     */
    private static final Exception NOT_SHAREABLE = new Exception("rows read inside a transaction are not shared", null, false, false) {
    };


    private final CacheBackend backend;
    private final Map<String, Telemetry> telemetry;
    /** Each region's two counter names, built once: a hit reads both. */
    private final Map<String, Counters> counters;

    /** A region's counter names, and the generation last read (a guess that saves a round trip). */
    private static final class Counters {
        private final String generation;
        private final String soft;
        volatile long lastSeen;

        Counters(String generation, String soft) {
            this.generation = generation;
            this.soft = soft;
        }

        String generation() {
            return generation;
        }

        String soft() {
            return soft;
        }

        /** The counters a hit reads: these two, then the tables'. */
        List<String> with(List<String> tables) {
            String[] all = new String[2 + tables.size()];
            all[0] = generation;
            all[1] = soft;
            for (int i = 0; i < tables.size(); i++)
                all[2 + i] = tables.get(i);
            return Arrays.asList(all);
        }
    }
    private static final long[] NO_GENERATIONS = {};
    /** Counters whose bump failed: until they reach the backend, this JVM serves nothing from it. */
    private final java.util.Set<String> unflushed = ConcurrentHashMap.newKeySet();
    /** A background retry of {@link #unflushed} is scheduled or running. */
    private final java.util.concurrent.atomic.AtomicBoolean flushing = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile boolean closing;
    private final InstantSource clock;
    private final RandomGenerator random;
    private final Executor refresher;
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
    private final ConcurrentHashMap<String, CompletableFuture<Loaded>> flights = new ConcurrentHashMap<>();
    /** A lookup made ahead by {@link #lookupAndReadAll}, for the read this thread is about to make. */
    private final ThreadLocal<@Nullable Prefetched> offered = new ThreadLocal<>();
    /**
     * Generation bumps this JVM has made (each write makes two): a flight's rows are handed to a
     * caller only if none was made between their read and the caller's arrival, so even with the
     * backend down a caller never gets rows read before a write of this JVM that had returned.
     */
    private final java.util.concurrent.atomic.AtomicLong localWrites = new java.util.concurrent.atomic.AtomicLong();
    private final ConcurrentHashMap<String, TableCounters> scopes = new ConcurrentHashMap<>();
    private final com.github.benmanes.caffeine.cache.Cache<String, QueryTables> analyses =
        com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(10_000).build();
    /**
     * SQL texts whose results can never be served from the cache (a column type no cached result set
     * can reproduce), with the reason: their reads skip the lookup and the lock and run on the database.
     * Forgotten after a while, so that a table whose column types changed is cached again.
     */
    private final com.github.benmanes.caffeine.cache.Cache<String, String> passThrough =
        com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(PASS_THROUGH_REMEMBERED).build();
    private static final Duration PASS_THROUGH_REMEMBERED = Duration.ofMinutes(10);
    /**
     * Rows decoded from an entry, by the entry array's identity, so that an entry served many times from
     * the in-process backend or a near cache is decoded once. Decoded rows are only ever read. Correct
     * because a backend never changes an array it handed out ({@link CacheBackend#get}). Only entries
     * of up to {@link #MEMO_MAX_BYTES} are kept, so the memo holds a few megabytes at most.
     */
    private final IdentityMemo<byte[], Result<Record>> decoded = new IdentityMemo<>(256);
    private static final int MEMO_MAX_BYTES = 16 << 10;
    /** The session inputs of each connection provider caching DSLs read through (weak keys: by identity). */
    private final com.github.benmanes.caffeine.cache.Cache<org.jooq.ConnectionProvider, SessionInputs> sessions =
        com.github.benmanes.caffeine.cache.Caffeine.newBuilder().weakKeys().build();
    private final @Nullable NearCache near;
    private static final System.Logger LOG = System.getLogger(DogpileEngine.class.getName());

    public DogpileEngine(Regions regions, CacheBackend backend, CacheListener listener, InstantSource clock,
                         RandomGenerator random, Executor refresher) {
        this.backend = backend;
        this.clock = clock;
        this.random = random;
        this.refresher = refresher;
        Map<String, Telemetry> t = new HashMap<>();
        Map<String, Counters> c = new HashMap<>();
        for (Region r : regions.all()) {
            t.put(r.name(), new Telemetry(listener));
            c.put(r.name(), new Counters(regionCounter(r.name()), softCounter(r.name())));
        }
        this.telemetry = Map.copyOf(t);
        this.counters = Map.copyOf(c);
        List<Region> withNear = regions.all().stream().filter(r -> r.nearCacheEntries() > 0).toList();
        NearCache n = withNear.isEmpty() ? null : new NearCache(withNear);
        if (n != null && !backend.watch(n)) {
            LOG.log(System.Logger.Level.WARNING, "regions " + withNear.stream().map(Region::name).toList()
                + " ask for a near cache, but the backend " + backend.describe() + " cannot notify changes: it is left off");
            n = null;
        }
        this.near = n;
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

    /** The region's counter names; the engine has them for every region it was made with, the only ones it is asked about. */
    private Counters countersOf(String region) {
        return Objects.requireNonNull(counters.get(region), "a region this engine was made without");
    }

    /** The counter {@link #health} reads to see that the backend answers; nothing writes it. */
    private static final String HEALTH_COUNTER = "health";

    /**
     * Whether the backend serves: its circuit's state, one read of a counter nobody writes, and what
     * this engine holds back (bumps not flushed, a near cache bypassed). While the circuit is open the
     * backend is not called, except once {@code openFor} has passed: that read is then the breaker's
     * probe, so a readiness check polling this closes the circuit as soon as the backend is back.
     */
    public Health health() {
        List<String> reasons = new ArrayList<>();
        if (backend instanceof CircuitBreaker breaker) {
            io.shardcache.query.spi.Circuit.State c = breaker.state();
            if (c.open() && !c.probeDue())
                return new Health(Health.Status.DOWN, backend.describe(), List.of("its circuit has been open for "
                    + c.openForMillis() + " ms after " + c.threshold() + " consecutive failures (reads run on the database); last failure: "
                    + c.lastFailure()));
            if (!c.open() && c.failures() > 0)   // an open circuit due a probe: the read below is that probe
                reasons.add(c.failures() + " consecutive failures just now (the circuit opens at " + c.threshold() + "); last: "
                    + c.lastFailure());
        }
        try {
            backend.generation(HEALTH_COUNTER);
        } catch (CacheBackendException e) {
            return new Health(Health.Status.DOWN, backend.describe(), List.of("it did not answer: " + e.getMessage()));
        }
        if (!unflushed.isEmpty())
            reasons.add(unflushed.size() + " generation bumps of earlier writes have not reached it: this process reads "
                + "around the cache until they do");
        if (near != null && !near.live())
            reasons.add("the near cache is bypassed: change notifications are not flowing");
        return new Health(reasons.isEmpty() ? Health.Status.UP : Health.Status.DEGRADED, backend.describe(), reasons);
    }

    /** The key of a read that does not consult the cache (inside a transaction): no backend call. */
    public CacheKey keyOf(Region region, KeyMaterial naming, KeyMaterial fingerprint) {
        return new CacheKey(region.name(), naming.scope(), naming.sha1Hex(), fingerprint.fingerprintUnsafe(), naming::describe);
    }

    /** Names the entry for {@code naming} in the region's current generation. */
    public Lookup lookup(Region region, KeyMaterial naming, KeyMaterial fingerprint) {
        CacheKey key = new CacheKey(region.name(), naming.scope(), naming.sha1Hex(), fingerprint.fingerprintUnsafe(), naming::describe);
        try {
            Counters names = countersOf(region.name());
            long generation = backend.generation(names.generation());
            long soft = backend.generation(names.soft());
            names.lastSeen = generation;
            return new Lookup(region, key, storageKey(region.name(), generation, naming), fingerprint, soft, false, false, null,
                TableCounters.Dependencies.NONE, NO_GENERATIONS, Lookup.NOT_NEAR);
        } catch (CacheBackendException e) {
            onBackendFailure(region, key, e);
            return down(region, key, naming, fingerprint);
        }
    }

    private static Lookup down(Region region, CacheKey key, KeyMaterial naming, KeyMaterial fingerprint) {
        return new Lookup(region, key, region.name() + ":?:" + naming.sha1Hex(), fingerprint, 0, true, false, null,
            TableCounters.Dependencies.NONE, NO_GENERATIONS, Lookup.NOT_NEAR);
    }

    /**
     * As {@link #lookup}, and reads the entry with the counters in one backend call
     * ({@link CacheBackend#read}), naming it with the generation this engine saw last; only after
     * the region's generation moved does it take a second call. For reads that go on to
     * {@link #fetch}. A lookup {@linkplain #offering offered} to this thread for this very read, by
     * {@link #lookupAndReadAll}, is taken instead, with no backend call.
     */
    public Lookup lookupAndRead(Region region, KeyMaterial naming, KeyMaterial fingerprint, TableCounters.Dependencies tables) {
        Lookup ready = takeOffered(region, naming, fingerprint, tables);
        if (ready != null)
            return ready;
        CacheKey key = new CacheKey(region.name(), naming.scope(), naming.sha1Hex(), fingerprint.fingerprintUnsafe(), naming::describe);
        try {
            if (!unflushed.isEmpty() && !flushBumps(false))
                throw new CacheBackendException("generation bumps of earlier writes could not reach the backend yet");
            Counters names = countersOf(region.name());
            List<String> all = names.with(tables.counters());
            Lookup nearby = fromNear(region, key, naming, fingerprint, tables, all);
            if (nearby != null)
                return nearby;
            Pending p = pending(region, key, naming, fingerprint, tables, all);
            CacheBackend.Read read = backend.read(region.name(), p.entryName(), all);
            byte[] entry = read.entry();
            if (read.generations()[0] != p.guess())
                entry = backend.get(region.name(), p.renamed(read.generations()[0]));
            return p.found(read.generations(), entry);
        } catch (CacheBackendException e) {
            onBackendFailure(region, key, e);
            return down(region, key, naming, fingerprint);
        }
    }

    /** One read of the cache, as {@link #lookupAndReadAll} takes it. */
    public record Want(Region region, KeyMaterial naming, KeyMaterial fingerprint, TableCounters.Dependencies tables) {
    }

    /**
     * A lookup made ahead of its read by {@link #lookupAndReadAll}, with this engine's count of local
     * writes before it: it is used only if no write of this JVM came between.
     */
    public record Prefetched(Lookup lookup, long writesBefore) {
    }

    /**
     * {@link #lookupAndRead} for many reads at once: the ones the near cache answers cost nothing, and
     * the others take one backend call ({@link CacheBackend#readAll}), or two when a region's
     * generation moved since this engine last saw it. Each result is meant for
     * {@link #offering}, so that the read itself takes it instead of asking the backend again.
     *
     * @return one per read, in order; null where the read must look itself up: the backend failed
     *         (each read then meets the failure under its own region's policy), or bumps of earlier
     *         writes have not reached the backend yet
     */
    public List<@Nullable Prefetched> lookupAndReadAll(List<Want> wants) {
        @Nullable Prefetched[] out = new Prefetched[wants.size()];
        long writesBefore = localWrites.get();
        if (!unflushed.isEmpty())
            return Arrays.asList(out);
        List<Integer> asked = new ArrayList<>();
        List<Pending> pending = new ArrayList<>();
        List<CacheBackend.ReadRequest> requests = new ArrayList<>();
        for (int i = 0; i < out.length; i++) {
            Want w = wants.get(i);
            Region region = w.region();
            CacheKey key = new CacheKey(region.name(), w.naming().scope(), w.naming().sha1Hex(), w.fingerprint().fingerprintUnsafe(), w.naming()::describe);
            List<String> all = countersOf(region.name()).with(w.tables().counters());
            Lookup nearby = fromNear(region, key, w.naming(), w.fingerprint(), w.tables(), all);
            if (nearby != null) {
                out[i] = new Prefetched(nearby, writesBefore);
                continue;
            }
            Pending p = pending(region, key, w.naming(), w.fingerprint(), w.tables(), all);
            asked.add(i);
            pending.add(p);
            requests.add(new CacheBackend.ReadRequest(region.name(), p.entryName(), all));
        }
        if (requests.isEmpty())
            return Arrays.asList(out);
        try {
            List<CacheBackend.Read> reads = backend.readAll(requests);
            List<Integer> moved = new ArrayList<>();
            List<CacheBackend.ReadRequest> again = new ArrayList<>();
            for (int j = 0; j < reads.size(); j++) {
                long generation = reads.get(j).generations()[0];
                if (generation != pending.get(j).guess()) {
                    moved.add(j);
                    again.add(new CacheBackend.ReadRequest(requests.get(j).region(), pending.get(j).renamed(generation), List.of()));
                }
            }
            byte[] @Nullable [] entries = new byte[reads.size()][];
            for (int j = 0; j < reads.size(); j++)
                entries[j] = reads.get(j).entry();
            List<CacheBackend.Read> reread = again.isEmpty() ? List.of() : backend.readAll(again);
            for (int m = 0; m < moved.size(); m++)
                entries[moved.get(m)] = reread.get(m).entry();
            for (int j = 0; j < reads.size(); j++)
                out[asked.get(j)] = new Prefetched(pending.get(j).found(reads.get(j).generations(), entries[j]), writesBefore);
        } catch (CacheBackendException e) {
            for (int j : asked)
                out[j] = null;
        }
        return Arrays.asList(out);
    }

    /**
     * Runs {@code work} with {@code ready} offered to the first {@link #lookupAndRead} of the same
     * statement on this thread; with nothing offered if {@code ready} is null.
     */
    public <T> T offering(@Nullable Prefetched ready, Callable<T> work) throws Exception {
        if (ready == null)
            return work.call();
        offered.set(ready);
        try {
            return work.call();
        } finally {
            offered.remove();
        }
    }

    /**
     * The offered lookup if it is for this very read and nothing has happened since it was made
     * that it could have missed: a local write, or a bump still waiting for the backend.
     */
    private @Nullable Lookup takeOffered(Region region, KeyMaterial naming, KeyMaterial fingerprint, TableCounters.Dependencies tables) {
        Prefetched p = offered.get();
        if (p == null)
            return null;
        offered.remove();
        Lookup k = p.lookup();
        boolean same = k.region() == region && k.tables().hash() == tables.hash()
            && k.key().hash().equals(naming.sha1Hex())
            && Arrays.equals(k.fingerprint().fingerprintUnsafe(), fingerprint.fingerprintUnsafe());
        return same && p.writesBefore() == localWrites.get() && unflushed.isEmpty() ? k : null;
    }

    /** The lookup of a copy the near cache holds and may serve; null if it has none (an outdated one is dropped). */
    private @Nullable Lookup fromNear(Region region, CacheKey key, KeyMaterial naming, KeyMaterial fingerprint,
                            TableCounters.Dependencies tables, List<String> all) {
        if (near == null || !near.covers(region.name()) || !near.live() || !near.caughtUpWithin(region.nearCacheMaxLag().toNanos()))
            return null;
        long[] known = near.known(all);
        if (known == null)
            return null;
        String storageKey = storageKey(region.name(), known[0], naming);
        Entry copy = near.get(region.name(), storageKey);
        if (copy == null)
            return null;
        long[] generations = Arrays.copyOfRange(known, 2, known.length);
        if (copy.generationsAre(tables.hash(), generations) && copy.softGeneration() >= known[1]
            && copy.fingerprintMatches(fingerprint))
            return new Lookup(region, key, storageKey, fingerprint, known[1], false, true, copy.bytes(), tables,
                generations, Lookup.FROM_NEAR);
        near.evict(region.name(), storageKey);   // outdated: the backend may hold a newer one
        return null;
    }

    /**
     * A read about to ask the backend, naming its entry with the generation this engine saw last, and
     * noting the near cache's epoch and resets first so that what it reads may be kept there.
     */
    private Pending pending(Region region, CacheKey key, KeyMaterial naming, KeyMaterial fingerprint,
                            TableCounters.Dependencies tables, List<String> all) {
        NearCache nearby = near != null && near.covers(region.name()) ? near : null;
        long guess = countersOf(region.name()).lastSeen;
        return new Pending(region, key, naming, fingerprint, tables, all, guess, storageKey(region.name(), guess, naming),
            nearby != null ? nearby.epoch() : Lookup.NOT_NEAR, nearby != null ? nearby.ticket(all) : null);
    }

    private final class Pending {
        private final Region region;
        private final CacheKey key;
        private final KeyMaterial naming;
        private final KeyMaterial fingerprint;
        private final TableCounters.Dependencies tables;
        private final List<String> all;
        private final long guess;
        private String entryName;
        private final long epoch;
        private final NearCache.@Nullable Ticket ticket;

        Pending(Region region, CacheKey key, KeyMaterial naming, KeyMaterial fingerprint, TableCounters.Dependencies tables,
                List<String> all, long guess, String entryName, long epoch, NearCache.@Nullable Ticket ticket) {
            this.region = region;
            this.key = key;
            this.naming = naming;
            this.fingerprint = fingerprint;
            this.tables = tables;
            this.all = all;
            this.guess = guess;
            this.entryName = entryName;
            this.epoch = epoch;
            this.ticket = ticket;
        }

        long guess() {
            return guess;
        }

        String entryName() {
            return entryName;
        }

        /** The region's generation was not the one guessed: the entry's name in the one read, remembered. */
        String renamed(long generation) {
            countersOf(region.name()).lastSeen = generation;
            entryName = storageKey(region.name(), generation, naming);
            return entryName;
        }

        /** The lookup of what the backend answered: {@code values} of every counter, and the entry. */
        Lookup found(long[] values, byte @Nullable [] entry) {
            if (ticket != null)   // taken only when there is a near cache
                Objects.requireNonNull(near, "near cache").learn(all, values, ticket);
            return new Lookup(region, key, entryName, fingerprint, values[1], false, true, entry, tables,
                Arrays.copyOfRange(values, 2, values.length), epoch);
        }
    }

    /** Moves the region to a new generation: every entry of the old one is unreachable at once. */
    public void invalidate(Region region) {
        bumpOne(regionCounter(region.name()));
    }

    private void bumpOne(String counter) {
        long value = backend.incrementGeneration(counter);
        if (near != null)
            near.generationChanged(counter, value);
    }

    /** Deletes an entry, here and from every near cache; true if the backend had it. */
    public boolean delete(Lookup k) {
        boolean had = backend.delete(k.region().name(), k.storageKey());
        if (near != null)
            near.evict(k.region().name(), k.storageKey());
        return had;
    }

    /**
     * Bumps generation counters: what a write changes. When the backend cannot be reached the
     * counters are kept, and until they reach it this JVM serves nothing from it: entries there may
     * predate the write. They are retried every {@value #FLUSH_EVERY_MILLIS} ms in the background,
     * each retry a probe of the circuit even while it is open, and
     * before this JVM's next read. So other processes serve entries older than the write only until
     * the backend answers this JVM again, plus one retry: that is the one gap an outage leaves.
     * (Each retry is {@link CacheBackend#incrementGenerationsNow}: a probe of every circuit on the way.)
     */
    public void bump(List<String> tableCounters) {
        try {
            bumpOrThrow(tableCounters);
        } catch (CacheBackendException e) {
            unflushed.addAll(tableCounters);
            LOG.log(System.Logger.Level.WARNING, "generation bump of " + tableCounters + " failed; retried in the background and before the next read", e);
            flushSoon();
        }
    }

    /** How often bumps that could not reach the backend are retried. */
    static final long FLUSH_EVERY_MILLIS = 50;

    /** Schedules a background retry of the unflushed bumps, unless one is scheduled. */
    private void flushSoon() {
        if (closing || !flushing.compareAndSet(false, true))
            return;
        try {
            CompletableFuture.delayedExecutor(FLUSH_EVERY_MILLIS, TimeUnit.MILLISECONDS, releases).execute(this::flushInBackground);
        } catch (RejectedExecutionException closed) {
            flushing.set(false);
        }
    }

    private void flushInBackground() {
        boolean done = true;
        try {
            done = closing || flushBumps(true);
        } catch (RuntimeException e) {
            done = false;
        } finally {
            flushing.set(false);
        }
        if (!done || !unflushed.isEmpty())
            flushSoon();
    }

    /** As {@link #bump}, but a failure is the caller's: nothing is kept for a retry. */
    public void bumpOrThrow(List<String> tableCounters) {
        localWrites.incrementAndGet();
        long[] values = backend.incrementGenerations(tableCounters);
        if (near != null)
            near.bumped(tableCounters, values);
    }

    /**
     * Retries the bumps that failed; true when none is left. Each counter leaves the set before its
     * retry and returns to it if the retry fails, so a bump that fails meanwhile is never lost.
     *
     * @param probe whether to call the backend even while its circuit is open (the background retry)
     */
    private boolean flushBumps(boolean probe) {
        List<String> pending = List.copyOf(unflushed);
        if (pending.isEmpty())
            return true;
        pending.forEach(unflushed::remove);
        try {
            long[] values = probe ? backend.incrementGenerationsNow(pending) : backend.incrementGenerations(pending);
            if (near != null)
                near.bumped(pending, values);
            return unflushed.isEmpty();
        } catch (CacheBackendException e) {
            unflushed.addAll(pending);
            return false;
        }
    }

    /** The counters of a scope's tables; one per scope, shared by every DSL of this engine. */
    public TableCounters tableCounters(String scope) {
        TableCounters t = scopes.get(scope);
        return t != null ? t : scopes.computeIfAbsent(scope, s -> new TableCounters(s, analyses));
    }

    /** Marks every entry of the region stale: its soft generation moves past theirs. */
    public void invalidateSoft(Region region) {
        bumpOne(softCounter(region.name()));
    }

    /** Deletes the entry stored under a custom key in the region's current generation. */
    public boolean deleteCustom(Region region, KeyContext keyContext, String customKey) throws SQLException {
        KeyMaterial naming = KeyMaterial.ofCustom(keyContext.get(), customKey);
        long generation = backend.generation(regionCounter(region.name()));
        String storageKey = storageKey(region.name(), generation, naming);
        boolean had = backend.delete(region.name(), storageKey);
        if (near != null)
            near.evict(region.name(), storageKey);
        return had;
    }

    /** Rewrites an entry as stale (it stays servable until its hard TTL); false if there is none. */
    public boolean markStale(Lookup k) {
        Entry e = read(k);
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

    static String storageKey(String region, long generation, KeyMaterial naming) {
        return region + ":" + generation + ":" + naming.sha1Hex();
    }

    static String regionCounter(String region) {
        return "region:" + region;
    }

    static String softCounter(String region) {
        return "soft:" + region;
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
        return passThrough.getIfPresent(sql);
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
        Telemetry t = telemetryOf(k.region().name());
        if (k.backendDown()) {
            t.skipped(k.key(), SkipReason.BACKEND_UNAVAILABLE);
            return adopt.apply(flight(k, loader, () -> regenerate(k, loader)));
        }
        Entry e;
        try {
            e = k.prefetched() ? verified(k, k.entry(), true) : read(k);
        } catch (CacheBackendException ex) {
            onBackendFailure(k.region(), k.key(), ex);
            t.skipped(k.key(), SkipReason.BACKEND_UNAVAILABLE);
            return adopt.apply(flight(k, loader, () -> regenerate(k, loader)));
        }
        if (e != null && !e.generationsAre(k.tables().hash(), k.generations())) {
            t.outdated(k.key());
            e = null;   // a table it read has been written since: never served, not even as stale
        }
        if (e != null) {
            long now = clock.millis();
            boolean fresh = now < e.softExpiry() && e.softGeneration() >= k.softGeneration();
            if (fresh && !pickedForEarlyRefresh(k.region(), e, now)) {
                Result<Record> rows = decode(k, e);
                if (rows != null) {
                    t.hit(k.key());
                    if (k.nearEpoch() == Lookup.FROM_NEAR)
                        t.nearHit();
                    else if (k.nearEpoch() >= 0)   // a near epoch is only noted when there is a near cache
                        Objects.requireNonNull(near, "near cache").put(k.region().name(), k.storageKey(), e, e.softExpiry() - now,
                            k.nearEpoch());
                    return adopt.apply(rows);
                }
            } else if (now < e.hardExpiry()) {
                Result<Record> rows = decode(k, e);
                if (rows != null)
                    return adopt.apply(refreshServingCurrent(k, rows, fresh, loader));
            }
        }
        t.miss(k.key());
        return adopt.apply(flight(k, loader, () -> regenerateOnMiss(k, loader)));
    }

    /**
     * Stale (or picked for early refresh): one caller refreshes, everyone else gets {@code current}.
     * Every path out of here lands the flight it registered, so no caller can wait on it forever.
     */
    private Result<Record> refreshServingCurrent(Lookup k, Result<Record> current, boolean fresh, Loader loader) throws SQLException {
        Telemetry t = telemetryOf(k.region().name());
        String fk = k.flightKey();
        CompletableFuture<Loaded> mine = new CompletableFuture<>();
        if (flights.putIfAbsent(fk, mine) != null)
            return served(t, k, current, fresh);
        // The entry's rows are valid for the generations the lookup read: a caller that joins this
        // flight having seen others (a write landed since) runs its own query.
        Loaded currentRows = new Loaded(current, true).at(k.generations(), localWrites.get());
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
                land(fk, mine, currentRows);
                return served(t, k, current, fresh);
            }
            held = lease.get();
            Loaded loaded;
            try {
                loaded = regenerate(k, loader, k.generations());
            } catch (Exception failure) {
                if (k.region().onRefreshFailure() != OnRefreshFailure.SERVE_STALE)
                    throw failure;
                // Stale-if-error: regenerate reported the failure and stored nothing; the caller
                // gets the rows it would have had if another caller were refreshing.
                land(fk, mine, currentRows);
                return served(t, k, current, fresh);
            }
            land(fk, mine, loaded);
            return loaded.result();
        } catch (Throwable failure) {
            fail(fk, mine, failure);
            throw rethrow(failure);
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
                        land(fk, mine, currentRows);   // filled by another JVM, or it took too long
                        return;
                    }
                    lease = held.lease();
                    Reread now = reread(k);
                    if (now.rows() != null) {                         // filled while we waited for the lock
                        filled = true;
                        land(fk, mine, now.loaded());
                        return;
                    }
                    Loaded loaded = regenerate(k, detached, now.generations());
                    filled = loaded.stored();
                    land(fk, mine, loaded);
                } catch (InterruptedException closing) {
                    land(fk, mine, currentRows);
                } catch (Throwable failure) {
                    fail(fk, mine, failure);   // already reported by load; the stale rows were served
                } finally {
                    backgroundWaits.remove(me);
                    me.done();
                    if (lease != null)
                        release(k, lease, filled);
                }
            });
        } catch (RejectedExecutionException closed) {
            land(fk, mine, currentRows);
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
            try {
                got = backend.locks().acquire(k.lockKey(), Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), r.lockLease());
            } catch (CacheBackendException ex) {
                onBackendFailure(r, k.key(), ex);
                return regenerate(k, loader);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new ShardcacheException("interrupted while waiting for the regeneration lock of " + k.key(), ie);
            }
            Duration waited = Duration.ofNanos(System.nanoTime() - start);
            if (got instanceof Acquisition.Held held) {
                t.lockWaited(k.key(), waited, LockWaitOutcome.ACQUIRED);
                return regenerateHolding(k, loader, held.lease());
            }
            if (got == Acquisition.FILLED) {
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
            return regenerate(k, loader, now.generations());
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
            Loaded loaded = regenerate(k, loader, now.generations());
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
     * round trips, which took 16 ms on a loaded 2-core machine, the leader's caller included): a
     * virtual thread of the engine's own releases. Not the refresher, which may be a user's bounded
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
        closing = true;
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
        long writesBefore = localWrites.get();
        try {
            Counters names = countersOf(k.region().name());
            CacheBackend.Read read = backend.read(k.region().name(), k.storageKey(), names.with(k.tables().counters()));
            long[] values = read.generations();
            long[] generations = Arrays.copyOfRange(values, 2, values.length);
            Entry e = verified(k, read.entry(), false);   // a rejection of this entry was reported by the first read
            long now = clock.millis();
            if (e != null && now < e.softExpiry() && e.softGeneration() >= values[1] && e.generationsAre(k.tables().hash(), generations))
                return new Reread(decode(k, e, false), generations, writesBefore);
            return new Reread(null, generations, writesBefore);
        } catch (CacheBackendException ex) {
            telemetryOf(k.region().name()).backendError(k.key(), ex);
            return new Reread(null, null, writesBefore);
        }
    }

    /**
     * Runs the loader; stores its rows if {@code generations} (read before it ran) is not null, the
     * rows qualify, and the tables were not written meanwhile. Rows read before such a write are
     * returned to this caller (its read began before the write committed) but not shared with
     * callers waiting on the flight, who may have asked after the commit returned.
     */
    private Loaded regenerate(Lookup k, Loader loader, long @Nullable [] generations) throws Exception {
        long writesBefore = localWrites.get();
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
    private Loaded regenerate(Lookup k, Loader loader) throws Exception {
        long writesBefore = localWrites.get();
        return load(k, loader).loaded().at(null, writesBefore);
    }

    /** Rows from the loader, and how long it took. */
    private record Timed(Loaded loaded, long micros) {
    }

    private Timed load(Lookup k, Loader loader) throws Exception {
        Telemetry t = telemetryOf(k.region().name());
        long start = System.nanoTime();
        Loaded loaded;
        try {
            loaded = loader.load();
        } catch (Uncacheable u) {
            // Not a failure: the caller runs the read itself and hands over the live result set.
            t.skipped(k.key(), u.reason);
            if (u.bySql && loader instanceof StatementLoader s)
                passThrough.put(s.sql(), u.why);
            throw u;
        } catch (Exception | Error failure) {
            t.loadFailed(k.key(), failure);
            throw failure;
        }
        long nanos = System.nanoTime() - start;
        t.regenerated(k.key(), Duration.ofNanos(nanos));
        return new Timed(loaded, nanos / 1000);
    }

    private enum Stored { STORED, TABLE_WRITTEN, SKIPPED }

    /** Stores the rows if they qualify and no table they were read from was written since {@code generations}. */
    private Stored store(Lookup k, Loaded loaded, long regenMicros, long[] generations) {
        Region r = k.region();
        Telemetry t = telemetryOf(r.name());
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
            onBackendFailure(r, k.key(), ex);
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

    private @Nullable Entry read(Lookup k) {
        return read(k, true);
    }

    /**
     * Reads and verifies the entry; null when absent, corrupt or another query's. The re-read after
     * taking the lock does not {@code report} a rejection again: it is the same entry.
     */
    private @Nullable Entry read(Lookup k, boolean report) {
        return verified(k, backend.get(k.region().name(), k.storageKey()), report);
    }

    private @Nullable Entry verified(Lookup k, byte @Nullable [] bytes, boolean report) {
        if (bytes == null)
            return null;
        Telemetry t = telemetryOf(k.region().name());
        try {
            Entry e = Entry.decode(bytes);
            if (!e.fingerprintMatches(k.fingerprint())) {
                if (report)
                    t.rejected(k.key(), "fingerprint belongs to another query");
                return null;
            }
            return e;
        } catch (MalformedEntryException ex) {
            if (report)
                t.rejected(k.key(), ex.getMessage());
            return null;
        }
    }

    private @Nullable Result<Record> decode(Lookup k, Entry e) {
        return decode(k, e, true);
    }

    private @Nullable Result<Record> decode(Lookup k, Entry e, boolean report) {
        try {
            Result<Record> rows = decoded.get(e.bytes());
            if (rows == null) {
                rows = e.result();
                if (e.bytes().length <= MEMO_MAX_BYTES)
                    decoded.put(e.bytes(), rows);
            }
            return rows;
        } catch (MalformedEntryException ex) {
            if (report)
                telemetryOf(k.region().name()).rejected(k.key(), ex.getMessage());
            return null;
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

    /**
     * JVM-local single flight: the first caller of a statement runs {@code work}, the others wait
     * for its rows. Rows that may be uncommitted are not handed to the others: each then runs
     * {@code loader} itself (its own statement, on its own connection), storing nothing.
     *
     * <p>Rows known valid for the generations a caller saw are shared with it. Rows whose
     * generations are unknown (the backend is down: another JVM's write would go unseen) are
     * shared only by callers who arrived before their query started: the others wait for that
     * flight to end and share the next one, which starts after they arrived. So a read never gets
     * rows read before it began, and concurrent callers still make at most two queries, not one each.
     */
    private Result<Record> flight(Lookup k, Loader loader, Work work) throws SQLException {
        String fk = k.flightKey();
        long joinedAfter = localWrites.get();
        boolean arrivedBefore = false;   // true once a flight we waited for ended: any later one started after we arrived
        while (true) {
            CompletableFuture<Loaded> mine = new CompletableFuture<>();
            CompletableFuture<Loaded> running = flights.putIfAbsent(fk, mine);
            if (running == null) {
                try {
                    Loaded loaded = work.run();
                    land(fk, mine, loaded);
                    return loaded.result();
                } catch (Throwable failure) {
                    fail(fk, mine, failure);
                    throw rethrow(failure);
                }
            }
            Loaded shared = await(k, running);
            if (shared != null && shared.shareableWith(k.generations(), joinedAfter)) {
                if (shared.generations() != null || arrivedBefore)
                    return shared.result();
                arrivedBefore = true;   // read before we arrived, under generations nobody knows: take the next flight
                continue;
            }
            try {
                return regenerate(k, loader).result();
            } catch (Exception failure) {
                throw rethrow(failure);
            }
        }
    }

    private interface Work {
        Loaded run() throws Exception;
    }

    /** Publishes a flight's rows (if they may be shared) and lets the next caller start a new one. */
    private void land(String flightKey, CompletableFuture<Loaded> flight, Loaded loaded) {
        flights.remove(flightKey, flight);
        if (loaded.committed())
            flight.complete(loaded);
        else
            flight.completeExceptionally(NOT_SHAREABLE);
    }

    private void fail(String flightKey, CompletableFuture<Loaded> flight, Throwable failure) {
        flights.remove(flightKey, flight);
        flight.completeExceptionally(failure);
    }

    /** The leader's rows, or null when they may not be shared; its failure, as it was thrown. */
    private static @Nullable Loaded await(Lookup k, CompletableFuture<Loaded> running) throws SQLException {
        try {
            return running.get();
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new ShardcacheException("interrupted while waiting for the regeneration of " + k.key(), ie);
        } catch (ExecutionException ee) {
            Throwable cause = ee.getCause();
            if (cause == NOT_SHAREABLE)
                return null;
            // A SQLException is re-wrapped so that this caller's stack trace is its own; everything
            // else is rethrown as the leader got it, keeping its type (LockTimeoutException, ...).
            if (cause instanceof SQLException sql)
                throw new SQLException(sql.getMessage(), sql.getSQLState(), sql.getErrorCode(), sql);
            throw rethrow(cause);
        }
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

    private static SQLException rethrow(@Nullable Throwable t) throws SQLException {
        if (t instanceof SQLException sql)
            throw sql;
        if (t instanceof RuntimeException re)
            throw re;
        if (t instanceof Error err)
            throw err;
        throw new SQLException("shardcache: regeneration failed: " + t, t);
    }
}
