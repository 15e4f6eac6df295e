package io.shardcache.query;

import io.shardcache.query.internal.CachingConnectionProvider;
import io.shardcache.query.internal.CircuitBreaker;
import io.shardcache.query.internal.DogpileEngine;
import io.shardcache.query.internal.JooqInternals;
import io.shardcache.query.internal.KeyContext;
import io.shardcache.query.internal.Lookup;
import io.shardcache.query.internal.Options;
import io.shardcache.query.internal.PreparedRead;
import io.shardcache.query.internal.Probe;
import io.shardcache.query.internal.ReadContext;
import io.shardcache.query.internal.ServerMetaData;
import io.shardcache.query.internal.TableCounters;
import io.shardcache.query.internal.TableName;
import io.shardcache.query.internal.TrackingConnectionProvider;
import io.shardcache.query.internal.WriteTracker;
import io.shardcache.query.spi.CacheBackend;
import io.shardcache.query.spi.CacheListener;
import io.shardcache.query.spi.CircuitSettings;
import io.shardcache.query.spi.ReadTracer;
import java.sql.SQLException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.jooq.Configuration;
import org.jooq.ConnectionProvider;
import org.jooq.DSLContext;
import org.jooq.ExecuteListenerProvider;
import org.jooq.Record;
import org.jooq.ResultQuery;
import org.jooq.Table;
import org.jooq.conf.Settings;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.jooq.impl.DefaultConnectionProvider;
import org.jspecify.annotations.Nullable;

/**
 * A jOOQ {@link DSLContext} whose reads can be served from a cache.
 *
 * <pre>{@code
 * CachingDSL cached = CachingDSL.wrap(dsl, regions);              // in-process (Caffeine) regions
 * Result<Record2<Integer, Integer>> r = cached.fromCache("reports")
 *     .select(ACCOUNTS.BID, count()).from(ACCOUNTS).groupBy(ACCOUNTS.BID)
 *     .fetch();                                                   // any jOOQ fetch works unchanged
 * }</pre>
 *
 * <p>{@link #fromCache(String)} returns an ordinary {@code DSLContext}. Reads executed through it
 * ({@code SELECT}, {@code VALUES}, {@code WITH ... SELECT} without writes or row locks) are keyed by
 * the SHA-1 of their rendered SQL and typed bind values and served from the region; every other
 * statement passes straight through to the database. Nothing run on {@link #dsl()} is cached.
 *
 * <p><b>Concurrency.</b> Thread-safe. N concurrent callers of one missing key cause one database
 * execution per cluster (one per JVM takes part in the backend's lock); callers of a stale key get
 * the stale rows while one caller refreshes. See the region settings in {@link Region}.
 *
 * <p><b>Failures.</b> A query that fails fails for every caller waiting on that execution, and
 * nothing is stored; a failed refresh of a stale entry serves the stale rows instead (see
 * {@link OnRefreshFailure}). A backend that is down or slow degrades to running the query on the
 * database (unless the region says {@link OnBackendFailure#FAIL}), and after a few failures in a row
 * a circuit breaker stops calling it for a while ({@link Builder#circuitBreaker}), so an outage does
 * not cost every read the backend's timeout. A corrupt or foreign entry is a miss.
 *
 * <p><b>Transactions.</b> Reads inside a jOOQ transaction ({@code cached.dsl().transaction(...)}
 * with {@code cached.on(trx.dsl())}), or on a single connection with auto-commit off, bypass the
 * cache: uncommitted rows are never cached or served. For transactions jOOQ does not manage
 * (Spring's), tell the builder how to see them with {@link Builder#inTransaction} and
 * {@link Builder#afterCommit}. Rows read on a pooled connection that is not in auto-commit are
 * returned but neither stored nor handed to other callers.
 *
 * <p><b>Writes.</b> Writes run through {@link #dsl()} (and the DSLs made from it) make every entry
 * that reads a written table a miss, in every process, once their commit has returned; see
 * {@link #dsl()}. A write with auto-commit off must run in a transaction started on {@link #dsl()}
 * (or a framework's, with {@code afterCommit}): elsewhere shardcache could not see its commit, and
 * the write fails rather than go unseen.
 *
 * <p>Over 500 lines because it is the library's front door: every public operation and its
 * documentation, and its {@link Builder}; the work is in {@code io.shardcache.query.internal}.
 */
public final class CachingDSL implements AutoCloseable {

    /**
     * A {@link Configuration#data(Object)} key whose value, if present on a wrapped DSL, becomes
     * part of every cache key (the sharding module puts the logical shard here), so that the same
     * SQL on two shards never shares an entry.
     */
    public static final String SCOPE = "io.shardcache.scope";

    /**
     * A {@link Configuration#data(Object)} key whose value {@code true} marks a DSL whose connections
     * reach a replica (the sharding module sets it): rows read there may lag a write whose generation
     * bump is already visible, so in regions with table generations they are served but not stored.
     */
    public static final String REPLICA = "io.shardcache.replica";

    /** Consecutive backend failures that open its circuit; see {@link Builder#circuitBreaker}. */
    public static final int DEFAULT_CIRCUIT_BREAKER_FAILURES = 3;

    /** How long an open circuit stays open before one call probes the backend again. */
    public static final Duration DEFAULT_CIRCUIT_BREAKER_OPEN_FOR = Duration.ofSeconds(1);

    /**
     * A {@link Configuration#data(Object)} key whose value, an immutable {@code List<TableName>} set by
     * {@link #declaring}, lists tables a DSL's statements touch beyond what jOOQ's model shows.
     */
    private static final String DECLARED = "io.shardcache.declared";

    private final DSLContext dsl;
    private final Regions regions;
    private final DogpileEngine engine;
    private final KeyContext keyContext;
    private final DSLContext reader;
    private final @Nullable AutoCloseable owned;
    private final BooleanSupplier inTransaction;
    private final @Nullable Consumer<Runnable> afterCommit;
    private final ServerMetaData serverMetaData;
    private final TableCounters tables;
    private final List<TableName> declared;
    private final boolean singleConnection;
    private final boolean replica;
    private final ConcurrentHashMap<String, DSLContext> regionDsls = new ConcurrentHashMap<>();

    private CachingDSL(DSLContext dsl, Regions regions, DogpileEngine engine, @Nullable AutoCloseable owned, BooleanSupplier inTransaction,
                       @Nullable Consumer<Runnable> afterCommit) {
        this.inTransaction = inTransaction;
        this.afterCommit = afterCommit;
        this.engine = engine;
        ConnectionProvider userConnections = dsl.configuration().connectionProvider();
        this.singleConnection = userConnections instanceof DefaultConnectionProvider;
        this.dsl = tracked(dsl);
        this.serverMetaData = ReadContext.serverMetaData(userConnections);
        this.regions = regions;
        this.owned = owned;
        Configuration c = dsl.configuration();
        Settings s = c.settings();
        String scope = scopeOf(c);
        this.keyContext = engine.keyContext(userConnections, scope, c.dialect().getName(), renderMapping(s),
            String.valueOf(s.isRenderSchema()));
        this.tables = engine.tableCounters(scope);
        this.declared = declaredOf(c);
        this.replica = Boolean.TRUE.equals(c.data(REPLICA));
        this.reader = DSL.using(c.dialect());
    }

    /**
     * The render mapping as key material. jOOQ replaces an absent mapping with an empty one on the
     * shared {@link Settings} the first time it renders, so "none" and "empty" must name the same
     * keys: otherwise a caching DSL made before a configuration's first query and one made after
     * (in another JVM, or this one) would never share entries.
     */
    private static String renderMapping(Settings s) {
        return s.getRenderMapping() == null ? "" : s.getRenderMapping().toString();
    }

    private static String scopeOf(Configuration c) {
        Object scope = c.data(SCOPE);
        return scope == null ? "" : scope.toString();
    }

    @SuppressWarnings("unchecked")
    private static List<TableName> declaredOf(Configuration c) {
        return c.data(DECLARED) instanceof List<?> names ? (List<TableName>) names : List.of();   // read on every execution: no copy
    }

    /**
     * {@code user}, with writes tracked by this engine: its connections are wrapped so that commits
     * are seen, and a listener bumps what each write changes. A DSL already tracked by this engine
     * (this one's {@link #dsl()}, or a transaction's started on it) is used as it is.
     */
    private DSLContext tracked(DSLContext user) {
        Configuration c = user.configuration();
        for (ExecuteListenerProvider p : c.executeListenerProviders())
            if (p.provide() instanceof WriteTracker w && w.engine() == engine)
                return user;
        Configuration t = c.derive(new TrackingConnectionProvider(c.connectionProvider(), engine))
            .deriveAppending(new WriteTracker(engine, ctx -> engine.tableCounters(scopeOf(ctx.configuration())),
                ctx -> declaredOf(ctx.configuration()), inTransaction, afterCommit));
        return DSL.using(t);
    }

    /** Caches in this process (an {@link InProcessCacheBackend} with its defaults). */
    public static CachingDSL wrap(DSLContext dsl, Regions regions) {
        return builder(dsl, regions).build();
    }

    /** Caches in {@code backend}, which the caller owns and closes. */
    public static CachingDSL wrap(DSLContext dsl, Regions regions, CacheBackend backend) {
        return builder(dsl, regions).backend(backend).build();
    }

    public static Builder builder(DSLContext dsl, Regions regions) {
        return new Builder(dsl, regions);
    }

    /**
     * A DSL whose reads are cached in {@code region}, keyed by their SQL and bind values.
     *
     * @throws IllegalArgumentException listing the known regions if {@code region} is not one
     */
    public DSLContext fromCache(String region) {
        Region r = regions.get(region);
        DSLContext d = regionDsls.get(region);
        return d != null ? d : regionDsls.computeIfAbsent(region, name -> derive(r, null));
    }

    /**
     * A DSL whose reads are cached in {@code region} under a key of the caller's choosing, which
     * {@link #invalidateCustomKey(String, String)} can name later. The statement's own fingerprint is still
     * checked, so a key reused for a different query is a miss, never the other query's rows.
     */
    public DSLContext fromCache(String region, String customKey) {
        Region r = regions.get(region);
        if (customKey == null || customKey.isEmpty())
            throw new IllegalArgumentException("custom cache key for region '" + region + "' must not be null or empty");
        return derive(r, customKey);
    }

    /**
     * {@code query} rendered once, to be run many times with new values for its parameters and served
     * from {@code region}: for a hot read, a hit then skips jOOQ's rendering and execution (see
     * {@link CachedQuery}). It shares entries with the same query run through {@link #fromCache(String)}.
     *
     * <pre>{@code
     * CachedQuery<AccountsRecord> byId = cached.prepare("accounts",
     *     dsl.selectFrom(ACCOUNTS).where(ACCOUNTS.AID.eq(param("aid", Integer.class))));
     * AccountsRecord a = byId.fetchOne(42);
     * }</pre>
     *
     * @throws IllegalArgumentException if {@code region} is unknown, the query is not a cacheable read,
     *         or a parameter or field is of a kind a prepared read cannot reproduce (the message names it)
     */
    public <R extends Record> CachedQuery<R> prepare(String region, ResultQuery<R> query) {
        Region r = regions.get(region);
        Objects.requireNonNull(query, "query");
        ConnectionProvider connections = dsl.configuration().connectionProvider();
        ReadContext context = new ReadContext(engine, r, keyContext, null, connections,
            singleConnection, reader, inTransaction, serverMetaData, null, tables, declared, replica);
        return new CachedQuery<>(this, PreparedRead.prepare(context, dsl, query, q -> probe(r, q)));
    }

    /**
     * The same caches over another DSL (a transaction's, a shard's); it shares this one's engine.
     * Writes run through it bump generations in {@code other}'s scope (its {@link #SCOPE}).
     */
    public CachingDSL on(DSLContext other) {
        return new CachingDSL(Objects.requireNonNull(other, "other"), regions, engine, null, inTransaction, afterCommit);
    }

    /**
     * This caching DSL, taking its statements to touch {@code tables} as well as whatever jOOQ's
     * model shows: a plain-SQL read then depends on these tables instead of on every write of its
     * scope, a plain-SQL write bumps these instead of invalidating the whole scope, and a read of a
     * view or of a function that reads tables (which no model shows) depends on them too.
     *
     * <pre>{@code
     * cached.declaring(ITEMS).fromCache("items").fetch("select count(*) from items where qty > ?", 3);
     * cached.declaring(ITEMS).dsl().execute("update items set qty = 0");
     * }</pre>
     */
    public CachingDSL declaring(Table<?>... tables) {
        List<TableName> names = new ArrayList<>(declared);
        for (Table<?> t : tables)
            names.add(TableName.of(Objects.requireNonNull(t, "table")));
        Configuration c = dsl.configuration().derive();
        c.data(DECLARED, List.copyOf(names));
        return new CachingDSL(DSL.using(c), regions, engine, null, inTransaction, afterCommit);
    }

    /**
     * The wrapped DSL, with writes tracked: nothing run on it is cached, and every write run on it
     * (or in a transaction started on it, or through a {@link #fromCache} DSL) moves the generations
     * of the tables it writes, so that no process serves an entry computed before the write once its
     * commit has returned. Writes made any other way must be announced with {@link #invalidateTables}.
     */
    public DSLContext dsl() {
        return dsl;
    }

    /**
     * Tells every process that {@code tables} were written outside shardcache (another service, a
     * migration, {@code psql}): each entry whose query reads one of them is a miss from now on. In a
     * sharded setup it concerns this DSL's logical shard only (see {@link #on}).
     *
     * @throws CacheBackendException if the backend cannot be reached: retried before this process
     *         reads from the backend again, but other processes may serve old rows until it lands
     */
    public void invalidateTables(Table<?>... tables) {
        List<TableName> names = new ArrayList<>();
        for (Table<?> t : tables)
            names.add(TableName.of(Objects.requireNonNull(t, "table")));
        if (names.isEmpty())
            throw new IllegalArgumentException("invalidateTables needs at least one table");
        engine.bumpOrThrow(this.tables.forWriteTo(names));
    }

    public Regions regions() {
        return regions;
    }

    /** Drops every entry of the region at once (O(1): bumps the region's generation). */
    public void invalidate(String region) {
        engine.invalidate(regions.get(region));
    }

    /** Marks every entry of the region stale: served while one caller refreshes it. */
    public void invalidateSoft(String region) {
        engine.invalidateSoft(regions.get(region));
    }

    /**
     * Drops the entry of {@code query} (its SQL and binds as they render now); true if there was one.
     *
     * @throws CacheBackendException if the backend cannot be reached: the entry may still be there
     */
    public boolean invalidate(String region, ResultQuery<?> query) {
        return delete(probe(regions.get(region), query).lookup());
    }

    /**
     * Marks the entry of {@code query} stale, keeping it servable until its hard TTL; true if there was one.
     *
     * @throws CacheBackendException if the backend cannot be reached
     */
    public boolean invalidateSoft(String region, ResultQuery<?> query) {
        return engine.markStale(reachable(probe(regions.get(region), query).lookup()));
    }

    /** Deletes one entry found by a lookup; for {@link CachedQuery#invalidate}. */
    boolean delete(Lookup k) {
        return engine.delete(reachable(k));
    }

    private Lookup reachable(Lookup k) {
        if (k.backendDown())
            throw new CacheBackendException("cannot invalidate " + k.key() + " in region '" + k.region().name()
                + "': the cache backend " + engine.backend().describe() + " did not answer");
        return k;
    }

    /**
     * Drops the entry stored under {@code customKey} (see {@link #fromCache(String, String)}); true if there was one.
     *
     * @throws IllegalArgumentException listing the known regions if {@code region} is not one
     */
    public boolean invalidateCustomKey(String region, String customKey) {
        Region r = regions.get(region);
        try {
            return engine.deleteCustom(r, keyContext, customKey);
        } catch (SQLException e) {
            throw new DataAccessException("shardcache: cannot read the session inputs of the caching DSL's connections", e);
        }
    }

    /**
     * The key {@code query} has in {@code region}, with its readable material; runs nothing. The
     * query is attached to a probing configuration for the call, so it must not be in use on another
     * thread, and must not hold a kept statement ({@code keepStatement(true)} after an execution):
     * jOOQ would re-run that statement instead.
     */
    public CacheKey keyOf(String region, ResultQuery<?> query) {
        return probe(regions.get(region), query).key();
    }

    /**
     * Whether the cache backend serves, and why not: its circuit breaker's state, one read of the
     * backend (unless the circuit is open), and what this process holds back. For a health endpoint;
     * a probe of a few milliseconds at most (the backend's command timeout).
     */
    public Health health() {
        return engine.health();
    }

    /** What the region's cache did so far, through this DSL and every DSL made by {@link #on}. */
    public RegionStats stats(String region) {
        return engine.stats(regions.get(region).name());
    }

    /** Waits for background refreshes and releases what {@link #wrap} created; not the wrapped DSL. */
    @Override
    public void close() {
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                throw new ShardcacheException("closing the caching DSL failed", e);
            }
        }
    }

    private DSLContext derive(Region region, @Nullable String customKey) {
        return DSL.using(derivedConfiguration(region, customKey, null));
    }

    private Configuration derivedConfiguration(Region region, @Nullable String customKey,
                                               java.util.function.@Nullable Consumer<Probe> probe) {
        Configuration base = dsl.configuration();
        ConnectionProvider connections = base.connectionProvider();
        ReadContext context = new ReadContext(engine, region, keyContext, customKey, connections,
            singleConnection, reader, inTransaction, serverMetaData, probe, tables, declared, replica);
        return base.derive(new CachingConnectionProvider(context));
    }

    /** Renders and "executes" {@code query} without running it, to learn its key. */
    private Probe probe(Region region, ResultQuery<?> query) {
        Objects.requireNonNull(query, "query");
        AtomicReference<Probe> seen = new AtomicReference<>();
        org.jooq.exception.DataAccessException failure = null;
        try {
            DSL.using(JooqInternals.detachedFromTransaction(derivedConfiguration(region, null, seen::set))).fetch(query);
        } catch (org.jooq.exception.DataAccessException e) {
            // e.g. a statement kind that cannot be probed; seen stays empty and the message below says why
            failure = e;
        }
        Probe k = seen.get();
        if (k == null)
            throw new IllegalArgumentException("query is not a cacheable read (only SELECT, VALUES and WITH ... SELECT are cached): "
                + dsl.render(query), failure);
        return k;
    }

    /**
     * Settings of a {@link CachingDSL}; each may be set once.
     */
    public static final class Builder {
        private final DSLContext dsl;
        private final Regions regions;
        private @Nullable CacheBackend backend;
        private @Nullable CacheListener listener;
        private @Nullable InstantSource clock;
        private @Nullable RandomGenerator random;
        private @Nullable Executor refreshExecutor;
        private @Nullable BooleanSupplier inTransaction;
        private @Nullable Consumer<Runnable> afterCommit;
        private @Nullable CircuitSettings breaker;
        private @Nullable ReadTracer tracer;

        private Builder(DSLContext dsl, Regions regions) {
            this.dsl = Objects.requireNonNull(dsl, "dsl");
            this.regions = Objects.requireNonNull(regions, "regions");
        }

        /** Where entries live; default: a new {@link InProcessCacheBackend}, closed with the DSL. */
        public Builder backend(CacheBackend backend) {
            Options.once("backend", this.backend);
            this.backend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /** Hears hits, misses, regenerations and errors; default: none. */
        public Builder listener(CacheListener listener) {
            Options.once("listener", this.listener);
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** The clock entries are dated by; tests move it instead of sleeping. Default: the system's. */
        public Builder clock(InstantSource clock) {
            Options.once("clock", this.clock);
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The randomness of early refresh; must be thread-safe. Default: {@code ThreadLocalRandom}. */
        public Builder random(RandomGenerator random) {
            Options.once("random", this.random);
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /** Runs background refreshes; default: a virtual thread per refresh, closed with the DSL. */
        public Builder refreshExecutor(Executor executor) {
            Options.once("refreshExecutor", this.refreshExecutor);
            this.refreshExecutor = Objects.requireNonNull(executor, "refreshExecutor");
            return this;
        }

        /**
         * Traces each read through the cache, its wait for the regeneration lock and its regeneration, as
         * spans under the caller's (see {@link ReadTracer}; shardcache's micrometer module has one for
         * Micrometer's Observation API). Default: {@link ReadTracer#NONE}.
         */
        public Builder tracer(ReadTracer tracer) {
            Options.once("tracer", this.tracer);
            this.tracer = Objects.requireNonNull(tracer, "tracer");
            return this;
        }

        /**
         * Tells whether the calling thread is inside a transaction that jOOQ does not manage, such as
         * Spring's ({@code TransactionSynchronizationManager::isActualTransactionActive}); reads then
         * bypass the cache, as they do in jOOQ's own transactions. Called on every cached read, so it
         * must be cheap. Default: never.
         */
        public Builder inTransaction(BooleanSupplier inTransaction) {
            Options.once("inTransaction", this.inTransaction);
            this.inTransaction = Objects.requireNonNull(inTransaction, "inTransaction");
            return this;
        }

        /**
         * Runs a task after the transaction that the {@link #inTransaction} test sees commits, e.g.
         * with Spring: {@code task -> TransactionSynchronizationManager.registerSynchronization(new
         * TransactionSynchronization() { public void afterCommit() { task.run(); } })}. A write made in
         * such a transaction bumps its tables' generations through it; without it such a write fails,
         * since shardcache could not tell when its rows become visible. Default: none.
         */
        public Builder afterCommit(Consumer<Runnable> afterCommit) {
            Options.once("afterCommit", this.afterCommit);
            this.afterCommit = Objects.requireNonNull(afterCommit, "afterCommit");
            return this;
        }

        /**
         * After {@code failures} consecutive backend failures (errors or timeouts), the backend is not
         * called for {@code openFor}: reads go straight to the database instead of each paying the
         * backend's timeout; then one call at a time probes it, and the first success closes the
         * circuit. Defaults: {@link #DEFAULT_CIRCUIT_BREAKER_FAILURES},
         * {@link #DEFAULT_CIRCUIT_BREAKER_OPEN_FOR}. A backend with a breaker per server
         * ({@link CacheBackend#breaksPerServer()}, such as {@code BackendRing} or a Redis Cluster) gets no breaker around
         * it all, and this setting does not apply to it: set its servers' breakers where it is built.
         *
         * @throws IllegalArgumentException if {@code failures < 1} or {@code openFor} is not positive
         */
        public Builder circuitBreaker(int failures, Duration openFor) {
            Options.once("circuitBreaker", breaker);
            this.breaker = new CircuitSettings(failures, openFor, CacheListener.NONE);
            return this;
        }

        public CachingDSL build() {
            CacheBackend b = backend;
            ExecutorService ownedExecutor = null;
            Executor e = refreshExecutor;
            if (e == null)
                e = ownedExecutor = Executors.newVirtualThreadPerTaskExecutor();
            CacheBackend ownedBackend = null;
            if (b == null) {
                // Only a test's clock is handed over: by default Caffeine keeps its own ticker, which
                // reads System.nanoTime() on every lookup without allocating an Instant.
                InProcessCacheBackend.Builder inProcess = InProcessCacheBackend.builder();
                if (clock != null)
                    inProcess.clock(clock);
                b = ownedBackend = inProcess.build();
            }
            CacheListener l = listener != null ? listener : CacheListener.NONE;
            InstantSource time = clock != null ? clock : InstantSource.system();
            // A backend with a breaker per server gets none around it all: one server down must not cost the others' keys.
            CircuitSettings circuit = breaker != null ? breaker
                : new CircuitSettings(DEFAULT_CIRCUIT_BREAKER_FAILURES, DEFAULT_CIRCUIT_BREAKER_OPEN_FOR, CacheListener.NONE);
            CacheBackend guarded = b.breaksPerServer() ? b : new CircuitBreaker(b, circuit.failures(), circuit.openFor(), time, l);
            DogpileEngine engine = new DogpileEngine(regions, guarded, l, time,
                random != null ? random : (RandomGenerator) () -> ThreadLocalRandom.current().nextLong(),
                e, tracer != null ? tracer : ReadTracer.NONE);
            ExecutorService ex = ownedExecutor;
            CacheBackend ob = ownedBackend;
            AutoCloseable owned = () -> {
                engine.close();   // waits for lock releases in flight
                if (ex != null)
                    ex.close();   // waits for refreshes in flight
                if (ob != null)
                    ob.close();
            };
            return new CachingDSL(dsl, regions, engine, owned, inTransaction != null ? inTransaction : () -> false, afterCommit);
        }

    }
}
