package io.shardcache.sharding;

import io.shardcache.sharding.internal.FanOutRunner;
import io.shardcache.sharding.internal.Identifiers;
import io.shardcache.sharding.internal.MetadataTable;
import io.shardcache.sharding.internal.Options;
import io.shardcache.sharding.internal.PlacementTable;
import io.shardcache.sharding.internal.ReadOnlyListener;
import io.shardcache.sharding.internal.ReplicaConnectionProvider;
import io.shardcache.sharding.internal.RoutedConnection;
import io.shardcache.sharding.internal.ServerPools;
import io.shardcache.sharding.internal.Transactions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jooq.Configuration;
import org.jooq.ConnectionProvider;
import org.jooq.DSLContext;
import org.jooq.ExecuteContext;
import org.jooq.ExecuteListener;
import org.jooq.SQLDialect;
import org.jooq.conf.MappedSchema;
import org.jooq.conf.RenderMapping;
import org.jooq.conf.Settings;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DefaultConfiguration;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ShardMap} brought to life: one HikariCP pool per physical server and per replica, and a jOOQ
 * {@link DSLContext} per logical shard that renders the application's schema as the shard's schema.
 *
 * <pre>{@code
 * Sharding sharding = Sharding.create(map, Routers.jumpHash());
 * sharding.on(userId).selectFrom(USERS).where(USERS.ID.eq(userId)).fetchOne();
 * sharding.onReplica(userId).selectFrom(USERS).fetch();                    // read-only, fails over
 * sharding.onAll(ctx -> ctx.fetchCount(USERS)).values();                   // every shard, in parallel
 * }</pre>
 *
 * <p><b>Routing.</b> {@link #on(Object)} asks the router for the key's logical shard and returns that
 * shard's context. Queries are rendered with schema-qualified names through jOOQ's render mapping
 * ({@code "app"."users"} becomes {@code "shard_0042"."users"}), never with {@code SET search_path}, so a
 * connection carries no per-shard state and PgBouncer's transaction pooling works. Only tables whose schema
 * is the map's {@link ShardMap#applicationSchema() application schema} are mapped; an unqualified table
 * resolves through the connection's {@code search_path}, so write sharded tables qualified (jOOQ's code
 * generator does). Each shard's contexts are built on first use and kept, so later calls cost the router
 * and an array read and return the same instance.
 *
 * <p><b>Concurrency.</b> Thread-safe; all methods may be called from any thread. Contexts are shared and
 * thread-safe like any jOOQ {@code DSLContext} over a pool.
 *
 * <p><b>Failures.</b> Creating a {@code Sharding} opens no connection and never fails because a server is
 * down: pools start empty and connect in the background. A query to a shard whose server is down fails
 * after the pool's {@code connectionTimeout}; other shards are unaffected. Reads through
 * {@link #onReplica(Object)} fail over (see there); fan-outs report failures per shard (see
 * {@link #onAll(FanOut, Function)}). A shard out of range or a router result out of range is a
 * {@link ShardingException} naming it; a {@code null} key, or a context this module did not make, is an
 * {@link IllegalArgumentException}.
 *
 * <p><b>Lifecycle.</b> {@link #initialize()} records the map in each server, refuses a map that
 * contradicts what was recorded (a changed shard count, edited ranges), and learns where
 * {@linkplain ShardMoves moved} shards live; {@link #createShards(String)} also creates the schemas from a
 * template. {@link #close()} closes every pool.
 *
 * <p><b>Moves.</b> Contexts ask where their shard lives on every connection they take, so they stay valid
 * when a shard moves. A statement that reaches a shard's old server is refused there and becomes a
 * retryable {@link ShardMovedException}; see {@link #onRetryingMoves(Object, Function)}.
 */
public final class Sharding implements AutoCloseable {

    /** The name of a {@code Sharding} made by {@link #create(ShardMap, ShardRouter)}. */
    public static final String DEFAULT_NAME = "default";

    /**
     * The {@link Configuration#data(Object)} key under which every shard context carries its logical shard
     * (an {@code Integer}); see {@link #shardNumber(DSLContext)}.
     */
    public static final String SHARD_DATA_KEY = "io.shardcache.sharding.shard";

    /**
     * query-core's {@code CachingDSL.SCOPE}: a value here becomes part of every cache key, so that the
     * same SQL on two shards never shares an entry. Repeated rather than referenced because query-core is
     * an optional dependency of this module.
     */
    static final String CACHE_SCOPE_DATA_KEY = "io.shardcache.scope";

    /** query-core's {@code CachingDSL.REPLICA}: rows read through a replica DSL are not stored under table generations. */
    static final String CACHE_REPLICA_DATA_KEY = "io.shardcache.replica";

    /** How long one shard may take in {@link #runOnEveryShard(String)}: DDL on a big shard can take a while. */
    public static final Duration DEFAULT_DDL_TIMEOUT = Duration.ofMinutes(30);

    private static final Pattern PLACEHOLDER = Pattern.compile("%\\{(name|shard)}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.\\-]{1,64}");

    private final String name;
    private final ShardMap map;
    private final ShardRouter router;
    private final Settings baseSettings;
    /** In the order of {@link ShardMap#servers()}: the pools of server i are at index i. */
    private final List<ServerPools> pools;
    private final AtomicReferenceArray<DSLContext> primaries;
    private final AtomicReferenceArray<DSLContext> replicas;
    private final ScheduledThreadPoolExecutor timer;
    private final FanOutRunner fanOut;
    /** How long {@link #close()} waits for the shard tasks of earlier fan-outs still running. */
    private static final java.time.Duration CLOSE_WAIT = java.time.Duration.ofSeconds(10);
    private volatile boolean closed;
    /** Where each shard lives now: the map, with the recorded moves applied. Replaced, never changed. */
    private volatile Placement placement;
    /** Retries of {@link #onRetryingMoves}: a shard moved twice in a row is rare, three times rarer still. */
    private static final int MOVE_RETRIES = 3;
    private static final String UNDEFINED_TABLE = "42P01";
    private static final String INVALID_SCHEMA_NAME = "3F000";

    private Sharding(String name, ShardMap map, ShardRouter router, Settings baseSettings) {
        this.name = name;
        this.map = map;
        this.router = router;
        this.baseSettings = baseSettings;
        List<ServerPools> opened = new ArrayList<>();
        try {
            for (PhysicalServer s : map.servers())
                opened.add(new ServerPools(name, s, map.primaryConfig(s.name()), map.replicaConfigs(s.name())));
        } catch (RuntimeException e) {
            opened.forEach(ServerPools::close);
            throw new ShardingException("could not create the pools of sharding '" + name + "': " + e.getMessage(), e);
        }
        this.pools = List.copyOf(opened);
        this.placement = Placement.declared(map);
        this.primaries = new AtomicReferenceArray<>(map.logicalShards());
        this.replicas = new AtomicReferenceArray<>(map.logicalShards());
        // One daemon thread fires fan-out timeouts; cancelled timeouts (most of them) leave its queue at once.
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "shardcache-fanout-timer-" + name);
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        this.fanOut = new FanOutRunner(timer);
    }

    /** A sharding named {@link #DEFAULT_NAME} with jOOQ's default settings. */
    public static Sharding create(ShardMap map, ShardRouter router) {
        return builder(map, router).build();
    }

    public static Builder builder(ShardMap map, ShardRouter router) {
        return new Builder(map, router);
    }

    /** The name under which the map is recorded in each server and which prefixes pool names. */
    public String name() {
        return name;
    }

    public ShardMap map() {
        return map;
    }

    public ShardRouter router() {
        return router;
    }

    /**
     * The logical shard of {@code key}, by the router.
     *
     * @throws IllegalArgumentException if the key is {@code null}
     * @throws ShardingException        if the router cannot place it, or answers a shard outside
     *                                  {@code [0, logicalShards)}
     */
    public int shardOf(Object key) {
        if (key == null)
            throw new IllegalArgumentException("shard key must not be null (sharding '" + name + "')");
        int n = map.logicalShards();
        int shard;
        try {
            shard = router.shardOf(key, n);
        } catch (IllegalArgumentException | ClassCastException e) {   // the contract says IAE; a cast is a common slip
            throw new ShardingException("the router of sharding '" + name + "' cannot place key " + key + " of type "
                + key.getClass().getName() + ": " + e.getMessage(), e);
        }
        if (shard < 0 || shard >= n)
            throw new ShardingException("the router " + router + " of sharding '" + name + "' placed key " + key
                + " on logical shard " + shard + ", outside [0, " + n + ")", shard, null, null);
        return shard;
    }

    /** The schema of logical shard {@code shard}, unquoted. */
    public String schemaOf(int shard) {
        return map.schemaOf(shard);
    }

    /**
     * The physical server that holds logical shard {@code shard} now: where the map declares it, or where a
     * {@linkplain ShardMoves move} this process has learnt of put it.
     */
    public PhysicalServer serverOf(int shard) {
        map.checkShard(shard);
        return placement.serverOf(shard);
    }

    /**
     * The logical shards physical server {@code server} holds now, ascending.
     *
     * @throws IllegalArgumentException listing the known servers if there is none by that name
     */
    public List<Integer> shardsOn(String server) {
        return Arrays.stream(placement.shardsOn(map.server(server))).boxed().toList();
    }

    /**
     * The version of the shard map this process routes by: 0 until a shard is moved, then the version of
     * the latest move it has learnt of (at {@link #initialize()}, by {@link #reloadPlacement()}, or when a
     * statement found a shard gone from its old server).
     */
    public long mapVersion() {
        return placement.mapVersion();
    }

    /**
     * Reads from every physical server where moved shards live and routes by it from now on. Not needed for
     * correctness: a statement sent to a shard's old server is refused there and this sharding then learns
     * of the move by itself (see {@link ShardMovedException}).
     *
     * @throws ShardingException naming a server that could not be read
     */
    public void reloadPlacement() {
        checkOpen();
        for (PhysicalServer s : map.servers()) {
            try (Connection c = pools(s).primary().getConnection()) {
                learn(PlacementTable.read(c, name));
            } catch (SQLException e) {
                throw new ShardingException("could not read where moved shards live from physical server " + s.name()
                    + " (" + s.address() + "): " + e.getMessage(), -1, s.name(), e);
            }
        }
    }

    /**
     * {@link #reloadPlacement()} from the servers that answer. Enough before DDL: a moved shard's old server
     * always records the move (in the transaction that renamed its copy), so if that server is up, the move
     * is learnt here, and if it is down, no statement reaches it.
     */
    void learnFromReachableServers() {
        checkOpen();
        for (PhysicalServer s : map.servers()) {
            try (Connection c = pools(s).primary().getConnection()) {
                learn(PlacementTable.read(c, name));
            } catch (SQLException e) {
                // down: see above
            }
        }
    }

    /**
     * Runs {@code fn} with {@code key}'s shard context, and again (up to 3 times) if the shard turned out to
     * have moved: {@link ShardMovedException} means nothing was applied on the old server, so running the
     * same work again on the new one is safe. {@code fn} should be one statement or one transaction
     * ({@code ctx.transactionResult(...)}), so that a retry repeats all of it.
     */
    public <T extends @Nullable Object> T onRetryingMoves(Object key, Function<? super DSLContext, ? extends T> fn) {
        Objects.requireNonNull(fn, "fn");
        DSLContext ctx = on(key);
        for (int attempt = 1; ; attempt++) {
            try {
                return fn.apply(ctx);
            } catch (RuntimeException e) {
                ShardMovedException moved = movedIn(e);
                if (moved == null || attempt > MOVE_RETRIES)
                    throw e;
            }
        }
    }

    /** The context of {@code key}'s logical shard, on its server's primary pool. */
    public DSLContext on(Object key) {
        return onShard(shardOf(key));
    }

    /**
     * The context of logical shard {@code shard}, on its server's primary pool. The same instance on every call.
     *
     * @throws ShardingException     if {@code shard} is not in {@code [0, logicalShards)}
     * @throws IllegalStateException if this is closed
     */
    public DSLContext onShard(int shard) {
        map.checkShard(shard);
        DSLContext c = primaries.get(shard);
        return c != null ? c : created(primaries, shard, false);
    }

    /**
     * A read-only context of {@code key}'s logical shard; see {@link #onReplicaShard(int)}.
     */
    public DSLContext onReplica(Object key) {
        return onReplicaShard(shardOf(key));
    }

    /**
     * A read-only context of logical shard {@code shard} that reads from its server's replicas.
     *
     * <p>Each statement (or transaction) takes a connection from the next replica in turn; when a replica
     * cannot give one (SQLState class 08, or its pool times out), the next is tried, then the primary.
     * A replica that failed cools down for a few seconds: it is tried only after the others and the
     * primary, so an outage costs one {@code connectionTimeout} per cool-down, not one per read. A server without replicas reads from its primary. Every
     * statement runs in a read-only transaction, which PostgreSQL enforces; jOOQ writes and DDL are
     * refused before they are sent, with a {@link ShardingException}. Replicas lag: read your own writes
     * through {@link #on(Object)}.
     *
     * @throws IllegalStateException if this is closed
     * @throws ShardingException     if {@code shard} is not in {@code [0, logicalShards)};
     *                           when a statement runs, if no replica and not the primary gave a connection,
     *                           listing each pool and why
     */
    public DSLContext onReplicaShard(int shard) {
        map.checkShard(shard);
        DSLContext c = replicas.get(shard);
        return c != null ? c : created(replicas, shard, true);
    }

    /**
     * Runs {@code fn} on every logical shard with {@link FanOut#defaults()}: in parallel, failing fast.
     *
     * @see #onAll(FanOut, Function)
     */
    public <T extends @Nullable Object> FanOutResult<T> onAll(Function<? super DSLContext, ? extends T> fn) {
        return onAll(FanOut.defaults(), fn);
    }

    /**
     * Runs {@code fn} once per logical shard, with that shard's context (primary), in parallel on virtual
     * threads, and collects every shard's value, error and latency.
     *
     * <p>A physical server runs at most as many of its shards at once as its pool has connections (a
     * semaphore per server, shared by concurrent fan-outs of this {@code Sharding}), or one at a time on a
     * single connection with {@link FanOutMode#CONNECTION_PER_SERVER}. Each shard may take
     * {@link FanOut#shardTimeout()} from when it gets its turn; past that it is interrupted and reported as
     * timed out. A server that gives no connection fails its remaining shards at once ("not tried"), so a
     * dead server costs about one {@code connectionTimeout}, not one per shard. What failures do is the
     * {@link FanOutPolicy}. A shard's function learns its shard through {@link #shardNumber(DSLContext)}.
     *
     * @return every shard's outcome, in shard order
     * @throws FanOutException under {@code FAIL_FAST} at the first failure (naming its shard and server),
     *                         under {@code REQUIRE_ALL} if any shard failed (listing them all)
     */
    public <T extends @Nullable Object> FanOutResult<T> onAll(FanOut options,
                                                              Function<? super DSLContext, ? extends T> fn) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(fn, "fn");
        checkOpen();
        List<FanOutRunner.ServerTarget> targets = new ArrayList<>(pools.size());
        Placement now = placement;
        for (ServerPools p : pools) {
            PhysicalServer s = p.server();
            int[] held = now.shardsOn(s);
            List<FanOutRunner.ShardTarget> shards = new ArrayList<>(held.length);
            for (int shard : held)
                shards.add(new FanOutRunner.ShardTarget(shard, map.schemaOf(shard), onShard(shard)));
            targets.add(new FanOutRunner.ServerTarget(s, p.fanOutPermits(), p.primary(), shards));
        }
        return fanOut.run(name, targets, options, fn);
    }

    /**
     * The logical shard of a context this module made (by {@link #on}, {@link #onReplica}, or in a fan-out).
     *
     * @throws IllegalArgumentException if {@code ctx} is not a shard context
     */
    public static int shardNumber(DSLContext ctx) {
        if (ctx.configuration().data(SHARD_DATA_KEY) instanceof Integer shard)
            return shard;
        throw new IllegalArgumentException("this DSLContext is not a shard context: it carries no " + SHARD_DATA_KEY);
    }

    /**
     * The primary pool of physical server {@code server}, for work jOOQ does not do (metrics, plain JDBC).
     * Owned by this {@code Sharding}: do not close it.
     *
     * @throws IllegalArgumentException listing the known servers if there is none by that name
     */
    public DataSource dataSource(String server) {
        return pools(map.server(server)).primary();
    }

    /**
     * Records the map in every physical server (schema {@code shardcache}, table {@code shard_map}, one
     * row per {@code Sharding} name) and checks it against what was recorded before. Safe to call on every
     * start, from many processes at once.
     *
     * @throws ShardingException if the map contradicts a server's record: a changed logical shard count or
     *                           schema pattern, shards moved to or from a server, a server whose name
     *                           changed. Nothing is recorded then. Also if a server cannot be reached.
     */
    public void initialize() {
        checkOpen();
        MetadataTable.verifyAndRecord(name, map, server -> pools(map.server(server)).primary());
        reloadPlacement();
    }

    /**
     * {@link #initialize()}, then {@link #runOnEveryShard(String)} with {@code template}: creates every
     * shard's schema and tables. Make the template idempotent ({@code create schema if not exists
     * %{name}}) to call this on every start.
     */
    public void createShards(String template) {
        initialize();
        runOnEveryShard(template);
    }

    /**
     * Runs {@code template} on logical shard {@code shard}'s server in one transaction, with {@code %{name}}
     * replaced by the shard's quoted schema name and {@code %{shard}} by its number. The text is sent as
     * is (no jOOQ templating, no bind values), so it may hold several statements.
     *
     * @throws ShardingException naming the shard, schema and server if it fails
     */
    public void createShard(int shard, String template) {
        map.checkShard(shard);
        String sql = expand(template, shard);
        learnFromReachableServers();   // never make a moved shard's schema again on its old server
        PhysicalServer server = serverOf(shard);
        try (Connection c = pools(server).primary().getConnection()) {
            Transactions.runInTransaction(c, sql);
        } catch (SQLException e) {
            throw new ShardingException("template failed on logical shard " + shard + " (schema " + map.schemaOf(shard)
                + " on physical server " + server.name() + "): " + e.getMessage(), shard, server.name(), e);
        }
    }

    /**
     * Runs {@code template} (see {@link #createShard(int, String)}) on every logical shard, in parallel per
     * server, each shard in its own transaction: for creating shards and for migrations.
     *
     * @throws FanOutException listing every shard where it failed; the others are committed
     */
    public void runOnEveryShard(String template) {
        checkTemplate(template);
        learnFromReachableServers();   // never make a moved shard's schema again on its old server
        FanOut options = FanOut.builder().policy(FanOutPolicy.REQUIRE_ALL).shardTimeout(DEFAULT_DDL_TIMEOUT).build();
        this.<@Nullable Void>onAll(options, ctx -> {
            String sql = expand(template, shardNumber(ctx));
            ctx.connection(c -> Transactions.runInTransaction(c, sql));
            return null;
        });
    }

    /**
     * Closes every pool and the fan-out timer, after waiting (at most 10 s) for the shard tasks a
     * fan-out left running (it stopped at a failure, or a shard timed out) to give their connections back.
     * Idempotent; contexts handed out stop working.
     */
    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        try {
            fanOut.awaitIdle(CLOSE_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (ServerPools p : pools)
            p.close();
    }

    @Override
    public String toString() {
        return "Sharding[name=" + name + ", map=" + map + ", router=" + router + "]";
    }

    private DSLContext created(AtomicReferenceArray<DSLContext> cache, int shard, boolean replica) {
        checkOpen();
        String schema = map.schemaOf(shard);
        Settings settings = (Settings) baseSettings.clone();
        settings.setRenderMapping(new RenderMapping().withSchemata(
            new MappedSchema().withInput(map.applicationSchema()).withOutput(schema)));
        DefaultConfiguration c = new DefaultConfiguration();
        c.set(SQLDialect.POSTGRES);
        c.set(settings);
        // The providers ask where the shard lives on every acquire, so a context stays valid across moves.
        if (replica) {
            c.set(new ReplicaConnectionProvider(() -> placement.serverIndexOf(shard), i -> pools.get(i).replicaSet(), shard, schema));
            c.set(new ReadOnlyListener(shard, () -> placement.serverOf(shard).name(), schema), new MoveDetector(shard));
            c.data(CACHE_REPLICA_DATA_KEY, true);
        } else {
            c.set(new PrimaryConnections(shard));
            c.set(new MoveDetector(shard));
        }
        c.data(SHARD_DATA_KEY, shard);
        c.data(CACHE_SCOPE_DATA_KEY, name + "/" + shard);
        DSLContext dsl = c.dsl();
        // Two first callers may both build one; the first stored wins, so every caller sees one instance.
        return cache.compareAndSet(shard, null, dsl) ? dsl : cache.get(shard);
    }

    Placement placement() {
        return placement;
    }

    /** Applies recorded moves newer than what this process routes by; returns the placement now in force. */
    Placement learn(List<PlacementTable.Row> rows) {
        synchronized (this) {
            Placement next = placement.with(rows);
            placement = next;
            return next;
        }
    }

    /** What {@code server} records about {@code shard}, applied; the current placement if it cannot be read. */
    private Placement relearn(int shard, PhysicalServer server) {
        try (Connection c = pools(server).primary().getConnection()) {
            return learn(PlacementTable.read(c, name, shard));
        } catch (SQLException | RuntimeException e) {
            return placement;
        }
    }

    private static @Nullable ShardMovedException movedIn(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause())
            if (t instanceof ShardMovedException m)
                return m;
        return null;
    }

    /** The primary pool of the server a shard lives on, asked on every acquire. */
    private final class PrimaryConnections implements ConnectionProvider {
        private final int shard;

        PrimaryConnections(int shard) {
            this.shard = shard;
        }

        @Override
        public Connection acquire() {
            int index = placement.serverIndexOf(shard);
            try {
                return new RoutedConnection(pools.get(index).primary().getConnection(), index);
            } catch (SQLException e) {
                PhysicalServer server = map.servers().get(index);
                throw new DataAccessException("could not get a connection to logical shard " + shard + " (schema "
                    + map.schemaOf(shard) + ") from physical server " + server.name() + " (" + server.address() + "): "
                    + e.getMessage(), e);
            }
        }

        @Override
        public void release(Connection connection) {
            try {
                connection.close();
            } catch (SQLException e) {
                throw new DataAccessException("could not return a connection of logical shard " + shard + ": "
                    + e.getMessage(), e);
            }
        }
    }

    /**
     * Turns "the shard's schema is not there" on the server a statement was routed to into a
     * {@link ShardMovedException} when that server records that the shard moved: the cheap check of a stale
     * route, paid only when a statement failed that way. The server is the one the statement's connection
     * came from ({@link RoutedConnection}), which in a transaction may be older than this process's placement.
     */
    private final class MoveDetector implements ExecuteListener {
        private final int shard;

        MoveDetector(int shard) {
            this.shard = shard;
        }

        @Override
        public void exception(ExecuteContext ctx) {
            SQLException e = ctx.sqlException();
            if (e == null || !(UNDEFINED_TABLE.equals(e.getSQLState()) || INVALID_SCHEMA_NAME.equals(e.getSQLState())))
                return;
            Connection c = ctx.connection();
            int used = c != null ? RoutedConnection.serverOf(c) : -1;
            Placement known = placement;
            if (used < 0)
                used = known.serverIndexOf(shard);
            PhysicalServer from = map.servers().get(used);
            Placement now = known.serverIndexOf(shard) != used ? known : relearn(shard, from);
            PhysicalServer to = now.serverOf(shard);
            if (!to.name().equals(from.name()))
                ctx.exception(new ShardMovedException(shard, map.schemaOf(shard), from.name(), to.name(),
                    now.versionOf(shard), e));
        }
    }

    ServerPools pools(PhysicalServer server) {
        int index = map.indexOf(server.name());
        if (index < 0)
            throw new IllegalStateException("no pools for " + server);   // every server of the map has pools
        return pools.get(index);
    }



    private void checkOpen() {
        if (closed)
            throw new IllegalStateException("sharding '" + name + "' is closed; its pools are shut down");
    }

    String expand(String template, int shard) {
        checkTemplate(template);
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder(template.length() + 32);
        while (m.find())
            m.appendReplacement(out, Matcher.quoteReplacement(
                m.group(1).equals("name") ? Identifiers.quote(map.schemaOf(shard)) : Integer.toString(shard)));
        m.appendTail(out);
        return out.toString();
    }

    private static void checkTemplate(String template) {
        Objects.requireNonNull(template, "template");
        if (!template.contains("%{name}"))
            throw new IllegalArgumentException("shard template has no %{name} placeholder, so it would run the same statement "
                + "on every shard instead of on each shard's schema: " + template);
    }


    /** Collects a sharding's options; each may be set once. Not thread-safe. */
    public static final class Builder {
        private final ShardMap map;
        private final ShardRouter router;
        private @Nullable String name;
        private @Nullable Settings settings;

        private Builder(ShardMap map, ShardRouter router) {
            this.map = Objects.requireNonNull(map, "map");
            this.router = Objects.requireNonNull(router, "router");
        }

        /**
         * The name the map is recorded under in each server, used in pool names, errors and cache keys;
         * default {@link #DEFAULT_NAME}. Two shardings sharing a server need different names.
         */
        public Builder name(String name) {
            Options.once("name", this.name);
            if (name == null || !NAME.matcher(name).matches())
                throw new IllegalArgumentException("sharding name " + (name == null ? "null" : "'" + name + "'")
                    + " is not valid: use 1 to 64 letters, digits, '_', '.' or '-'");
            this.name = name;
            return this;
        }

        /**
         * jOOQ settings every shard context starts from (copied now); default jOOQ's defaults. They must not
         * set a render mapping: the sharding owns it.
         */
        public Builder settings(Settings settings) {
            if (this.settings != null)
                throw new IllegalStateException("settings are already set; each option may be set once");
            Objects.requireNonNull(settings, "settings");
            if (settings.getRenderMapping() != null)
                throw new IllegalArgumentException("settings carry a render mapping (" + settings.getRenderMapping()
                    + "), but each shard's render mapping is set by the sharding: leave it unset");
            this.settings = (Settings) settings.clone();
            return this;
        }

        /** Creates the pools (without connecting) and returns the sharding. */
        public Sharding build() {
            return new Sharding(name != null ? name : DEFAULT_NAME, map, router,
                settings != null ? settings : new Settings());
        }
    }
}
