package io.shardcache.sharding;

import com.zaxxer.hikari.HikariConfig;
import io.shardcache.sharding.internal.Identifiers;
import io.shardcache.sharding.internal.Options;
import io.shardcache.sharding.internal.PlacementTable;
import io.shardcache.sharding.internal.Transactions;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Moves logical shards between physical servers while the application runs, on PostgreSQL's logical
 * replication: the way a fleet grows without resharding (add a server with
 * {@link ShardMap.Builder#physical(String, HikariConfig)}, then move shards to it).
 *
 * <pre>{@code
 * ShardMoves moves = ShardMoves.builder(sharding)
 *     .template("create schema %{name}")      // what createShards ran
 *     .migrations(shardMigrations)             // and the migrations, if any
 *     .build();
 * MoveReport r = moves.move(42, "db3");
 * moves.cleanup(Duration.ofDays(1));           // later: drop the old copies
 *
 * MovePlan plan = moves.plan(MovePlan.Balance.SIZE);   // or SHARD_COUNT: moves that even out the servers
 * moves.run(plan);                                     // one move at a time, with progress
 * }</pre>
 *
 * <p><b>How a move goes</b> (each step is recorded in the source server's {@code shardcache.shard_move}):
 * <ol>
 *   <li>The shard's schema is made on the target from the template and the migrations, so its tables and
 *       its Flyway history match, and is emptied. The columns of every table are compared with the source's.</li>
 *   <li>A publication of the schema on the source, a replication slot, and a subscription on the target copy
 *       the rows and then stream every change.</li>
 *   <li>Once the target has copied everything and applied a marker written on the source a moment ago, the
 *       fence: one transaction on the source locks the shard's tables {@code IN EXCLUSIVE MODE}, which holds
 *       writes to that shard (reads go on; other shards are untouched), waits until the target applied a
 *       last marker, sets the target's sequences to the source's values, records the shard on the target
 *       (map version +1) and renames the source schema to {@code <schema>_moved_v<version>}. Its commit is
 *       the flip.</li>
 *   <li>The new placement is recorded on every other server; subscription, slot and publication are dropped.
 *       The renamed copy stays until {@link #cleanup(Duration)}.</li>
 * </ol>
 *
 * <p><b>Writes during and after the flip.</b> A write held by the fence, and any statement a process sends
 * to the old server later, fails there because the schema has been renamed, so nothing is written to the
 * old copy. The {@link Sharding} that sent it reads the new placement from that server and throws
 * {@link ShardMovedException}, which is retryable: its contexts already route the shard to the new server
 * ({@link Sharding#onRetryingMoves} retries by itself). No restart, no coordination between processes.
 *
 * <p><b>Crashes.</b> A move that stopped before the flip is rolled back and begun anew when {@link #move} is
 * called again for the same shard and target; one that stopped after it is finished. {@link #abort(int)}
 * rolls back one that has not flipped. Two movers of one shard cannot run at once: each holds a session
 * advisory lock on the source, which ends with its connection if its process dies.
 *
 * <p><b>Requirements.</b> {@code wal_level = logical} on every server; a free replication slot and WAL sender
 * on the source and a free logical replication worker on the target; a primary key (or replica identity) on
 * every table of the shard; a role allowed to create publications and subscriptions; and a way for the target
 * to reach the source, derived from the source's JDBC URL and credentials unless
 * {@link Builder#connectionString(String, String)} gives it.
 *
 * <p>Thread-safe; moves of different shards may run at once, each on its own thread.
 */
public final class ShardMoves {

    /** How long the copy and the catch-up may take before the move gives up and rolls back. */
    public static final Duration DEFAULT_COPY_TIMEOUT = Duration.ofHours(6);

    /** The longest the fence may hold writes; past it the fence is lifted and tried again. */
    public static final Duration DEFAULT_FENCE_TIMEOUT = Duration.ofSeconds(5);

    /** How many times the fence is tried before the move gives up and rolls back. */
    static final int FENCE_ATTEMPTS = 5;

    private static final System.Logger LOG = System.getLogger(ShardMoves.class.getName());
    private static final Duration POLL = Duration.ofMillis(20);

    private final Sharding sharding;
    private final String template;
    private final @Nullable ShardMigrations migrations;
    private final MoveListener listener;
    private final Map<String, String> connectionStrings;
    private final Duration copyTimeout;
    private final Duration fenceTimeout;

    private ShardMoves(Builder b) {
        this.sharding = b.sharding;
        this.template = Objects.requireNonNull(b.template);
        this.migrations = b.migrations;
        this.listener = b.listener != null ? b.listener : MoveListener.NONE;
        this.connectionStrings = Map.copyOf(b.connectionStrings);
        this.copyTimeout = b.copyTimeout != null ? b.copyTimeout : DEFAULT_COPY_TIMEOUT;
        this.fenceTimeout = b.fenceTimeout != null ? b.fenceTimeout : DEFAULT_FENCE_TIMEOUT;
    }

    public static Builder builder(Sharding sharding) {
        return new Builder(sharding);
    }

    /**
     * Moves logical shard {@code shard} to physical server {@code toServer}, online; see the class comment.
     * Runs again what an earlier call to the same target left unfinished.
     *
     * @throws IllegalArgumentException if the shard does not exist, the server is unknown, or the shard already
     *                                  lives there
     * @throws IllegalStateException    if the shard is mid-move to another server, another process is moving
     *                                  it, a server lacks {@code wal_level = logical}, a table has no primary
     *                                  key or replica identity, or the target's tables differ from the source's
     * @throws ShardingException        if a step fails; the move is then rolled back if it had not flipped,
     *                                  else left for the next call to finish
     */
    public MoveReport move(int shard, String toServer) {
        long began = System.nanoTime();
        ShardMap map = sharding.map();
        if (shard < 0 || shard >= map.logicalShards())
            throw new IllegalArgumentException("logical shard " + shard + " does not exist: the map has "
                + map.logicalShards() + " logical shards, [0, " + map.logicalShards() + ")");
        PhysicalServer target = map.server(Objects.requireNonNull(toServer, "toServer"));
        sharding.reloadPlacement();
        Journal journal = findJournal(shard);
        PhysicalServer source = journal != null ? map.server(journal.from) : sharding.serverOf(shard);
        if (journal == null && source.equals(target))
            throw new IllegalArgumentException("logical shard " + shard + " already lives on physical server " + toServer
                + ": nothing to move");
        if (journal != null && !journal.to.equals(toServer))
            throw new IllegalStateException("logical shard " + shard + " is mid-move from " + journal.from + " to "
                + journal.to + " (state " + journal.state + ", map version " + journal.version + "): run move(" + shard
                + ", \"" + journal.to + "\") to finish it" + (journal.state.equals("FLIPPED") ? ""
                : ", or abort(" + shard + ") to roll it back") + " before moving it elsewhere");
        try (Connection lock = pool(source).getConnection()) {
            lockMove(lock, shard, source);
            try {
                // Under the lock, read again: another mover may have finished between the read above and now.
                journal = findJournal(shard);
                if (journal != null && journal.state.equals("FLIPPED"))
                    return finish(journal, began, true, Duration.ZERO, Duration.ZERO);
                if (journal != null)
                    rollBack(journal);
                if (sharding.serverOf(shard).equals(target))
                    throw new IllegalArgumentException("logical shard " + shard + " already lives on physical server "
                        + toServer + ": nothing to move");
                return runMove(shard, sharding.serverOf(shard), target, began);
            } finally {
                unlockMove(lock, shard);
            }
        } catch (SQLException e) {
            throw new ShardingException("could not move logical shard " + shard + " from " + source.name() + " to "
                + toServer + ": " + e.getMessage(), shard, source.name(), e);
        }
    }

    /**
     * Rolls back the unfinished move of logical shard {@code shard}: drops the subscription, slot, publication
     * and the target's copy; the shard stays where it was.
     *
     * @return whether there was a move to roll back
     * @throws IllegalStateException if the move has flipped (finish it with {@link #move}), or another process
     *                               is moving the shard
     */
    public boolean abort(int shard) {
        Journal journal = findJournal(shard);
        if (journal == null)
            return false;
        if (journal.state.equals("FLIPPED"))
            throw new IllegalStateException("the move of logical shard " + shard + " to " + journal.to
                + " has flipped: the shard lives there now. Run move(" + shard + ", \"" + journal.to + "\") to finish it");
        PhysicalServer source = sharding.map().server(journal.from);
        try (Connection lock = pool(source).getConnection()) {
            lockMove(lock, shard, source);
            try {
                rollBack(journal);
                return true;
            } finally {
                unlockMove(lock, shard);
            }
        } catch (SQLException e) {
            throw new ShardingException("could not roll back the move of logical shard " + shard + ": " + e.getMessage(),
                shard, source.name(), e);
        }
    }

    /**
     * Proposes moves that even out the shards over the servers, by {@code by}; prints well with
     * {@link MovePlan#toString()}. Reads where every shard lives now from the servers, and for
     * {@link MovePlan.Balance#SIZE} (and to prefer small shards by count) each shard's size with
     * {@code pg_total_relation_size}. Moves nothing.
     *
     * @throws ShardingException naming a server that could not be read
     */
    public MovePlan plan(MovePlan.Balance by) {
        Objects.requireNonNull(by, "by");
        sharding.reloadPlacement();
        List<PhysicalServer> servers = sharding.map().servers();
        int[] owners = new int[sharding.map().logicalShards()];
        long[] bytes = new long[owners.length];
        for (int i = 0; i < servers.size(); i++) {
            PhysicalServer s = servers.get(i);
            List<Integer> shards = sharding.shardsOn(s.name());
            Map<String, Integer> bySchema = new LinkedHashMap<>();
            for (int shard : shards) {
                owners[shard] = i;
                bySchema.put(sharding.schemaOf(shard), shard);
            }
            if (bySchema.isEmpty())
                continue;
            try (Connection c = pool(s).getConnection(); PreparedStatement ps = c.prepareStatement("select n.nspname,"
                + " coalesce(sum(pg_total_relation_size(c.oid)), 0) from pg_namespace n left join pg_class c"
                + " on c.relnamespace = n.oid and c.relkind in ('r', 'm') where n.nspname = any(?) group by n.nspname")) {
                ps.setArray(1, c.createArrayOf("text", bySchema.keySet().toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next())
                        bytes[Objects.requireNonNull(bySchema.get(rs.getString(1)))] = rs.getLong(2);
                }
            } catch (SQLException e) {
                throw new ShardingException("could not measure the shards on physical server " + s.name() + ": "
                    + e.getMessage(), -1, s.name(), e);
            }
        }
        return MovePlanner.plan(sharding.name(), by, servers.stream().map(PhysicalServer::name).toList(), owners, bytes);
    }

    /**
     * Makes the moves of {@code plan}, one at a time, in order, telling the listener
     * ({@link MoveListener#planned}) before each and logging each at INFO. A move the plan names that has
     * been made already (a plan run again after it stopped) is skipped; an unfinished one is finished.
     *
     * @return the report of each move made, in order
     * @throws IllegalArgumentException if the plan was made for another {@code Sharding}
     * @throws IllegalStateException    if a shard no longer lives where the plan found it (the plan is out of
     *                                  date: make a new one), before moving that shard; the moves before it
     *                                  are made and stay made
     * @throws ShardingException        if a move fails; see {@link #move(int, String)}
     */
    public List<MoveReport> run(MovePlan plan) {
        Objects.requireNonNull(plan, "plan");
        if (!plan.sharding().equals(sharding.name()))
            throw new IllegalArgumentException("this plan was made for sharding '" + plan.sharding() + "', not '"
                + sharding.name() + "'");
        List<MoveReport> reports = new ArrayList<>();
        int total = plan.moves().size();
        for (int i = 0; i < total; i++) {
            MovePlan.Move m = plan.moves().get(i);
            sharding.reloadPlacement();
            String now = sharding.serverOf(m.shard()).name();
            Journal unfinished = findJournal(m.shard());
            boolean ours = unfinished != null && unfinished.to.equals(m.to());
            if (now.equals(m.to()) && unfinished == null) {
                LOG.log(System.Logger.Level.INFO, "plan move " + (i + 1) + " of " + total + ": " + m + " was made"
                    + " already; skipped");
                continue;
            }
            if (!now.equals(m.from()) && !ours)
                throw new IllegalStateException("the plan is out of date: it moves logical shard " + m.shard() + " from "
                    + m.from() + " to " + m.to() + ", but the shard lives on " + now + (unfinished != null
                    ? " and is mid-move to " + unfinished.to : "") + ". " + reports.size() + " of its " + total
                    + " moves were made before it; make a new plan");
            LOG.log(System.Logger.Level.INFO, "plan move " + (i + 1) + " of " + total + ": " + m);
            try {
                listener.planned(i + 1, total, m);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "move listener " + listener + " threw; ignored", e);
            }
            reports.add(move(m.shard(), m.to()));
        }
        return reports;
    }

    /**
     * Drops the old copies that finished moves left on their source servers ({@code <schema>_moved_v<n>}),
     * for moves finished more than {@code grace} ago.
     *
     * @return the dropped schemas, as {@code server.schema}
     * @throws ShardingException naming a server that could not be cleaned
     */
    public List<String> cleanup(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        if (grace.isNegative())
            throw new IllegalArgumentException("grace " + grace + " is negative");
        List<String> dropped = new ArrayList<>();
        for (PhysicalServer s : sharding.map().servers()) {
            try (Connection c = pool(s).getConnection()) {
                PlacementTable.prepare(c);
                List<String[]> old = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("select version, old_schema from shardcache.shard_move"
                    + " where map_name = ? and state = 'DONE' and old_schema is not null and updated_at < now() - ?::interval")) {
                    ps.setString(1, sharding.name());
                    ps.setString(2, grace.toMillis() + " milliseconds");
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next())
                            old.add(new String[] {rs.getString(1), rs.getString(2)});
                    }
                }
                for (String[] o : old) {
                    Transactions.runInTransaction(c, "drop schema if exists " + Identifiers.quote(o[1]) + " cascade;"
                        + " update shardcache.shard_move set old_schema = null, updated_at = now() where map_name = "
                        + literal(sharding.name()) + " and version = " + Long.parseLong(o[0]));
                    dropped.add(s.name() + "." + o[1]);
                }
            } catch (SQLException e) {
                throw new ShardingException("could not clean up old shard copies on physical server " + s.name() + ": "
                    + e.getMessage(), -1, s.name(), e);
            }
        }
        return dropped;
    }

    @Override
    public String toString() {
        return "ShardMoves[sharding=" + sharding.name() + ", migrations=" + (migrations != null) + ", fenceTimeout="
            + fenceTimeout + "]";
    }

    // ---- the move ------------------------------------------------------------------------------------

    private MoveReport runMove(int shard, PhysicalServer source, PhysicalServer target, long began) throws SQLException {
        String schema = sharding.schemaOf(shard);
        checkServers(source, target);
        checkReplicaIdentity(shard, source, schema);
        checkTargetFree(shard, target, schema);
        long version = nextVersion();
        Journal journal = new Journal(shard, version, source.name(), target.name(), "PREPARING");
        try (Connection c = pool(source).getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("insert into shardcache.shard_move (map_name, shard, version,"
                + " from_server, to_server, state) values (?, ?, ?, ?, ?, 'PREPARING')")) {
                ps.setString(1, sharding.name());
                ps.setInt(2, shard);
                ps.setLong(3, version);
                ps.setString(4, source.name());
                ps.setString(5, target.name());
                ps.executeUpdate();
            }
        }
        tell(journal, MoveStep.STARTED, "map version " + version);
        try {
            createTarget(shard, source, target, schema);
            tell(journal, MoveStep.TARGET_CREATED, "schema " + schema + " on " + target.name());
            setState(journal, "COPYING", null);
            startReplication(journal, source, target, schema);
            tell(journal, MoveStep.COPYING, "subscription " + journal.subscription());
            awaitCopied(journal, target);
            Duration copy = Duration.ofNanos(System.nanoTime() - began);
            tell(journal, MoveStep.COPIED, "every table copied in " + copy.toMillis() + " ms");
            Duration lag = awaitMarker(journal, source, target, copyTimeout);
            tell(journal, MoveStep.CAUGHT_UP, "a marker went across in " + lag.toMillis() + " ms");
            Duration pause = fenceAndFlip(journal, source, target, schema);
            return finish(journal, began, false, copy, pause);
        } catch (SQLException | RuntimeException e) {
            if (!flipped(journal)) {
                try {
                    rollBack(journal);
                } catch (RuntimeException | SQLException r) {
                    e.addSuppressed(r);
                }
            }
            if (e instanceof IllegalStateException || e instanceof ShardingException)
                throw e;
            throw new ShardingException("moving logical shard " + shard + " from " + source.name() + " to " + target.name()
                + " failed" + (flipped(journal) ? " after the flip (the shard lives on " + target.name() + "; run move("
                + shard + ", \"" + target.name() + "\") again to finish)" : "; it was rolled back and stays on "
                + source.name()) + ": " + e.getMessage(), shard, source.name(), e);
        }
    }

    private void createTarget(int shard, PhysicalServer source, PhysicalServer target, String schema) throws SQLException {
        try (Connection c = pool(target).getConnection()) {
            Transactions.runInTransaction(c, sharding.expand(template, shard));
        }
        if (migrations != null
            && migrations.migrateShard(shard, target) instanceof ShardMigration.Failed f)
            throw new ShardingException("migrating the new copy of logical shard " + shard + " on " + target.name()
                + " failed: " + f.error().getMessage(), shard, target.name(), f.error());
        Map<String, String> want = columns(source, schema);
        Map<String, String> have = columns(target, schema);
        if (!want.equals(have)) {
            List<String> diff = new ArrayList<>();
            want.forEach((t, cols) -> {
                if (!cols.equals(have.get(t)))
                    diff.add(t + ": source (" + cols + "), target (" + have.getOrDefault(t, "missing") + ")");
            });
            have.keySet().stream().filter(t -> !want.containsKey(t)).forEach(t -> diff.add(t + ": only on the target"));
            throw new IllegalStateException("the template and migrations made tables on " + target.name()
                + " that differ from logical shard " + shard + "'s on " + source.name() + ", so the copy would fail: "
                + String.join("; ", diff) + ". Give ShardMoves the template and migrations the shard was made with");
        }
        List<String> tables = new ArrayList<>(have.keySet());
        if (!tables.isEmpty())
            try (Connection c = pool(target).getConnection()) {
                // The template may seed rows and Flyway wrote its history: the copy brings the source's own.
                Transactions.runInTransaction(c, "truncate table " + String.join(", ",
                    tables.stream().map(t -> Identifiers.quote(schema) + "." + Identifiers.quote(t)).toList()));
            }
    }

    private void startReplication(Journal j, PhysicalServer source, PhysicalServer target, String schema) throws SQLException {
        try (Connection c = pool(source).getConnection(); Statement s = c.createStatement()) {
            s.execute("create publication " + Identifiers.quote(j.publication()) + " for tables in schema "
                + Identifiers.quote(schema) + ", table shardcache.move_sync where (move = " + literal(j.id()) + ")");
            s.execute("select pg_create_logical_replication_slot(" + literal(j.slot()) + ", 'pgoutput')");
        }
        try (Connection c = pool(target).getConnection(); Statement s = c.createStatement()) {
            // The slot exists already: a subscription that made its own would hang when both are one cluster.
            s.execute("create subscription " + Identifiers.quote(j.subscription()) + " connection "
                + literal(connectionString(source)) + " publication " + Identifiers.quote(j.publication())
                + " with (create_slot = false, slot_name = " + literal(j.slot()) + ", copy_data = true)");
        }
    }

    private void awaitCopied(Journal j, PhysicalServer target) throws SQLException {
        long deadline = System.nanoTime() + copyTimeout.toNanos();
        try (Connection c = pool(target).getConnection();
             PreparedStatement ps = c.prepareStatement("select count(*) filter (where r.srsubstate <> 'r'), count(*)"
                 + " from pg_subscription s join pg_subscription_rel r on r.srsubid = s.oid where s.subname = ?")) {
            ps.setString(1, j.subscription());
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(2) > 0 && rs.getLong(1) == 0)
                        return;
                }
                if (System.nanoTime() > deadline)
                    throw new ShardingException("the copy of logical shard " + j.shard + " to " + j.to + " did not finish in "
                        + copyTimeout + "; see pg_stat_subscription and the server logs of " + j.to, j.shard, j.to, null);
                sleep(POLL.multipliedBy(5));
            }
        }
    }

    /** Writes a marker on the source and waits until the target applied it: then it applied all before it. */
    private Duration awaitMarker(Journal j, PhysicalServer source, PhysicalServer target, Duration timeout) throws SQLException {
        long start = System.nanoTime();
        String token = UUID.randomUUID().toString();
        try (Connection c = pool(source).getConnection();
             PreparedStatement ps = c.prepareStatement("insert into shardcache.move_sync (move, token) values (?, ?)")) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                // WAL goes to the subscriber once flushed: with synchronous_commit = off on the server, the marker
                // would wait for the WAL writer (wal_writer_delay, 200 ms by default), and the fence with it.
                s.execute("set local synchronous_commit = on");
            }
            ps.setString(1, j.id());
            ps.setString(2, token);
            ps.executeUpdate();
            c.commit();
        }
        long deadline = start + timeout.toNanos();
        try (Connection c = pool(target).getConnection();
             PreparedStatement ps = c.prepareStatement("select 1 from shardcache.move_sync where move = ? and token = ?")) {
            ps.setString(1, j.id());
            ps.setString(2, token);
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next())
                        return Duration.ofNanos(System.nanoTime() - start);
                }
                if (System.nanoTime() > deadline)
                    return Duration.ofNanos(-1);
                sleep(POLL.dividedBy(10));
            }
        }
    }

    /** The fence and the flip, in one transaction on the source; returns how long writes were held. */
    private Duration fenceAndFlip(Journal j, PhysicalServer source, PhysicalServer target, String schema) throws SQLException {
        String moved = movedName(schema, j.version);
        for (int attempt = 1; ; attempt++) {
            try (Connection c = pool(source).getConnection()) {
                c.setAutoCommit(false);
                long fenced;
                try (Statement s = c.createStatement()) {
                    s.execute("set local lock_timeout = " + fenceTimeout.toMillis());
                    List<String> tables = new ArrayList<>(columns(c, schema).keySet());
                    if (!tables.isEmpty())
                        s.execute("lock table " + String.join(", ", tables.stream()
                            .map(t -> Identifiers.quote(schema) + "." + Identifiers.quote(t)).toList()) + " in exclusive mode");
                    fenced = System.nanoTime();
                    tell(j, MoveStep.FENCED, "writes to logical shard " + j.shard + " are held (attempt " + attempt + ")");
                    Duration lag = awaitMarker(j, source, target, fenceTimeout);
                    if (lag.isNegative()) {
                        c.rollback();
                        if (attempt >= FENCE_ATTEMPTS)
                            throw new ShardingException("the target " + target.name() + " did not catch up with logical shard "
                                + j.shard + " within the fence timeout " + fenceTimeout + " in " + attempt + " attempts",
                                j.shard, target.name(), null);
                        continue;
                    }
                    copySequences(c, target, schema);
                    PlacementTable.record(c, sharding.name(), new PlacementTable.Row(j.shard, target.name(), j.version));
                    try (PreparedStatement ps = c.prepareStatement("update shardcache.shard_move set state = 'FLIPPED',"
                        + " old_schema = ?, updated_at = now() where map_name = ? and shard = ? and version = ?")) {
                        ps.setString(1, moved);
                        ps.setString(2, sharding.name());
                        ps.setInt(3, j.shard);
                        ps.setLong(4, j.version);
                        ps.executeUpdate();
                    }
                    s.execute("alter schema " + Identifiers.quote(schema) + " rename to " + Identifiers.quote(moved));
                    c.commit();
                } catch (SQLException e) {
                    c.rollback();
                    if ("55P03".equals(e.getSQLState()) && attempt < FENCE_ATTEMPTS)   // lock_not_available
                        continue;
                    throw e;
                }
                Duration pause = Duration.ofNanos(System.nanoTime() - fenced);
                j.state = "FLIPPED";
                tell(j, MoveStep.FLIPPED, "writes were held " + pause.toMillis() + " ms; old copy renamed " + moved);
                return pause;
            }
        }
    }

    private void copySequences(Connection sourceTx, PhysicalServer target, String schema) throws SQLException {
        Map<String, long[]> values = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        try (PreparedStatement ps = sourceTx.prepareStatement("select sequence_name from information_schema.sequences"
            + " where sequence_schema = ? order by 1")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next())
                    names.add(rs.getString(1));
            }
        }
        try (Statement s = sourceTx.createStatement()) {
            for (String n : names)
                try (ResultSet rs = s.executeQuery("select last_value, is_called from " + Identifiers.quote(schema) + "."
                    + Identifiers.quote(n))) {
                    rs.next();
                    values.put(n, new long[] {rs.getLong(1), rs.getBoolean(2) ? 1 : 0});
                }
        }
        try (Connection c = pool(target).getConnection(); PreparedStatement ps = c.prepareStatement("select setval(?::regclass, ?, ?)")) {
            for (var e : values.entrySet()) {
                ps.setString(1, Identifiers.quote(schema) + "." + Identifiers.quote(e.getKey()));
                ps.setLong(2, e.getValue()[0]);
                ps.setBoolean(3, e.getValue()[1] == 1);
                ps.execute();
            }
        }
    }

    /** After the flip: tell every server, tear down the replication, mark the move done. */
    private MoveReport finish(Journal j, long began, boolean resumed, Duration copy, Duration pause) throws SQLException {
        PlacementTable.Row row = new PlacementTable.Row(j.shard, j.to, j.version);
        List<String> unreachable = new ArrayList<>();
        for (PhysicalServer s : sharding.map().servers()) {
            try (Connection c = pool(s).getConnection()) {
                PlacementTable.prepare(c);
                PlacementTable.record(c, sharding.name(), row);
            } catch (SQLException e) {
                unreachable.add(s.name() + " (" + e.getMessage() + ")");
            }
        }
        sharding.learn(List.of(row));
        PhysicalServer source = sharding.map().server(j.from);
        PhysicalServer target = sharding.map().server(j.to);
        dropReplication(j, source, target);
        if (!unreachable.isEmpty())
            throw new ShardingException("logical shard " + j.shard + " lives on " + j.to + " now, but the move could not be"
                + " recorded on " + String.join(", ", unreachable) + "; processes learn it from " + j.from
                + " anyway. Run move(" + j.shard + ", \"" + j.to + "\") again when they are back", j.shard, j.from, null);
        setState(j, "DONE", null);
        long rows = countRows(target, sharding.schemaOf(j.shard));
        MoveReport report = new MoveReport(j.shard, j.from, j.to, j.version, rows, copy, pause,
            Duration.ofNanos(System.nanoTime() - began), resumed);
        tell(j, MoveStep.DONE, report.toString());
        return report;
    }

    /** Undoes everything a move that has not flipped made, in the reverse order; each part only if present. */
    private void rollBack(Journal j) throws SQLException {
        PhysicalServer source = sharding.map().server(j.from);
        PhysicalServer target = sharding.map().server(j.to);
        dropReplication(j, source, target);
        try (Connection c = pool(target).getConnection()) {
            // The target's copy is only ever this move's: nothing routes there before the flip.
            Transactions.runInTransaction(c, "drop schema if exists " + Identifiers.quote(sharding.schemaOf(j.shard)) + " cascade");
        }
        setState(j, "ROLLED_BACK", null);
        LOG.log(System.Logger.Level.INFO, "rolled back the unfinished move of logical shard " + j.shard + " from "
            + j.from + " to " + j.to + " (map version " + j.version + ")");
    }

    private void dropReplication(Journal j, PhysicalServer source, PhysicalServer target) throws SQLException {
        try (Connection c = pool(target).getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(true);
            boolean exists;
            try (ResultSet rs = s.executeQuery("select 1 from pg_subscription where subname = " + literal(j.subscription()))) {
                exists = rs.next();
            }
            if (exists) {
                // Detach the slot first, so that dropping the subscription does not depend on reaching the source.
                s.execute("alter subscription " + Identifiers.quote(j.subscription()) + " disable");
                s.execute("alter subscription " + Identifiers.quote(j.subscription()) + " set (slot_name = none)");
                s.execute("drop subscription " + Identifiers.quote(j.subscription()));
            }
            s.execute("delete from shardcache.move_sync where move = " + literal(j.id()));
        }
        try (Connection c = pool(source).getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(true);
            // The slot may still be held for a moment by the walsender of the subscription just dropped.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (true) {
                try (ResultSet rs = s.executeQuery("select active from pg_replication_slots where slot_name = "
                    + literal(j.slot()))) {
                    if (!rs.next())
                        break;
                    if (!rs.getBoolean(1)) {
                        s.execute("select pg_drop_replication_slot(" + literal(j.slot()) + ")");
                        break;
                    }
                }
                if (System.nanoTime() > deadline)
                    throw new ShardingException("replication slot " + j.slot() + " on " + source.name()
                        + " stayed active 30 s after its subscription was dropped", j.shard, source.name(), null);
                sleep(POLL);
            }
            s.execute("drop publication if exists " + Identifiers.quote(j.publication()));
            s.execute("delete from shardcache.move_sync where move = " + literal(j.id()));
        }
    }

    // ---- checks --------------------------------------------------------------------------------------

    private void checkServers(PhysicalServer source, PhysicalServer target) throws SQLException {
        for (PhysicalServer s : List.of(source, target)) {
            try (Connection c = pool(s).getConnection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("show wal_level")) {
                rs.next();
                if (!"logical".equals(rs.getString(1)))
                    throw new IllegalStateException("physical server " + s.name() + " (" + s.address() + ") has wal_level = "
                        + rs.getString(1) + ", but moving shards needs wal_level = logical on every server: the source"
                        + " publishes the shard through logical decoding, and a shard moved to a server must be able to"
                        + " move on. Set wal_level = logical in its postgresql.conf and restart it");
            }
            try (Connection c = pool(s).getConnection()) {
                PlacementTable.prepare(c);
            }
        }
    }

    private void checkReplicaIdentity(int shard, PhysicalServer source, String schema) throws SQLException {
        List<String> missing = new ArrayList<>();
        try (Connection c = pool(source).getConnection(); PreparedStatement ps = c.prepareStatement(
            "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = ?"
                + " and c.relkind in ('r', 'p') and (c.relreplident = 'n' or (c.relreplident = 'd' and not exists"
                + " (select 1 from pg_index i where i.indrelid = c.oid and i.indisprimary))) order by 1")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next())
                    missing.add(schema + "." + rs.getString(1));
            }
        }
        if (!missing.isEmpty())
            throw new IllegalStateException("logical shard " + shard + " cannot move: table" + (missing.size() > 1 ? "s " : " ")
                + String.join(", ", missing) + " on " + source.name() + " ha" + (missing.size() > 1 ? "ve" : "s")
                + " no primary key and no replica identity, so logical replication could not carry its updates and deletes"
                + " (and the source would refuse them while the shard is published). Add a primary key, or"
                + " ALTER TABLE ... REPLICA IDENTITY FULL");
    }

    private void checkTargetFree(int shard, PhysicalServer target, String schema) throws SQLException {
        try (Connection c = pool(target).getConnection();
             PreparedStatement ps = c.prepareStatement("select count(*) from pg_class c join pg_namespace n"
                 + " on n.oid = c.relnamespace where n.nspname = ? and c.relkind in ('r', 'p')");
             PreparedStatement exists = c.prepareStatement("select 1 from pg_namespace where nspname = ?")) {
            exists.setString(1, schema);
            try (ResultSet rs = exists.executeQuery()) {
                if (!rs.next())
                    return;
            }
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                throw new IllegalStateException("schema " + schema + " already exists on " + target.name() + " with "
                    + rs.getLong(1) + " tables, but logical shard " + shard + " does not live there: it is not this"
                    + " move's to overwrite. Drop it, or move the shard elsewhere");
            }
        }
    }

    // ---- journal and helpers -------------------------------------------------------------------------

    /** One move as the source records it. */
    private final class Journal {
        final int shard;
        final long version;
        final String from;
        final String to;
        String state;

        Journal(int shard, long version, String from, String to, String state) {
            this.shard = shard;
            this.version = version;
            this.from = from;
            this.to = to;
            this.state = state;
        }

        /** Names this move's replication objects; the map's name is in it, as two maps may share servers. */
        String id() {
            return String.format(java.util.Locale.ROOT, "%08x", sharding.name().hashCode()) + "_s" + shard + "v" + version;
        }

        String publication() {
            return "shardcache_move_" + id();
        }

        String slot() {
            return "shardcache_move_" + id();
        }

        String subscription() {
            return "shardcache_move_" + id();
        }
    }

    /** The unfinished move of {@code shard}, looked for on every server (the journal lives on its source). */
    private @Nullable Journal findJournal(int shard) {
        Journal found = null;
        for (PhysicalServer s : sharding.map().servers()) {
            try (Connection c = pool(s).getConnection()) {
                PlacementTable.prepare(c);
                try (PreparedStatement ps = c.prepareStatement("select version, from_server, to_server, state from"
                    + " shardcache.shard_move where map_name = ? and shard = ? and state in ('PREPARING', 'COPYING', 'FLIPPED')"
                    + " order by version desc limit 1")) {
                    ps.setString(1, sharding.name());
                    ps.setInt(2, shard);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next() && (found == null || rs.getLong(1) > found.version))
                            found = new Journal(shard, rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4));
                    }
                }
            } catch (SQLException e) {
                throw new ShardingException("could not read the moves recorded on physical server " + s.name() + ": "
                    + e.getMessage(), shard, s.name(), e);
            }
        }
        return found;
    }

    private boolean flipped(Journal j) {
        return j.state.equals("FLIPPED");
    }

    private void setState(Journal j, String state, @Nullable String oldSchema) throws SQLException {
        try (Connection c = pool(sharding.map().server(j.from)).getConnection();
             PreparedStatement ps = c.prepareStatement("update shardcache.shard_move set state = ?, updated_at = now()"
                 + (oldSchema != null ? ", old_schema = ?" : "") + " where map_name = ? and shard = ? and version = ?")) {
            int i = 1;
            ps.setString(i++, state);
            if (oldSchema != null)
                ps.setString(i++, oldSchema);
            ps.setString(i++, sharding.name());
            ps.setInt(i++, j.shard);
            ps.setLong(i, j.version);
            ps.executeUpdate();
        }
        j.state = state;
    }

    private long nextVersion() throws SQLException {
        long max = 0;
        for (PhysicalServer s : sharding.map().servers())
            try (Connection c = pool(s).getConnection()) {
                max = Math.max(max, PlacementTable.maxVersion(c, sharding.name()));
            }
        return max + 1;
    }

    private void lockMove(Connection c, int shard, PhysicalServer source) throws SQLException {
        c.setAutoCommit(true);
        try (PreparedStatement ps = c.prepareStatement("select pg_try_advisory_lock(hashtext(?), ?)")) {
            ps.setString(1, "shardcache.move:" + sharding.name());
            ps.setInt(2, shard);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1))
                    throw new IllegalStateException("logical shard " + shard + " is being moved by another process right now"
                        + " (it holds the move's lock on " + source.name() + "); wait for it, or run move again once it stopped");
            }
        }
    }

    private void unlockMove(Connection c, int shard) {
        try (PreparedStatement ps = c.prepareStatement("select pg_advisory_unlock(hashtext(?), ?)")) {
            ps.setString(1, "shardcache.move:" + sharding.name());
            ps.setInt(2, shard);
            ps.execute();
        } catch (SQLException e) {
            LOG.log(System.Logger.Level.WARNING, "could not release the move lock of logical shard " + shard
                + "; it goes with the connection: " + e.getMessage());
        }
    }

    /** Each table of {@code schema} with its columns and types, in order, on {@code server}. */
    private Map<String, String> columns(PhysicalServer server, String schema) throws SQLException {
        try (Connection c = pool(server).getConnection()) {
            return columns(c, schema);
        }
    }

    private static Map<String, String> columns(Connection c, String schema) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("select c.relname, string_agg(a.attname || ' '"
            + " || format_type(a.atttypid, a.atttypmod), ', ' order by a.attnum) from pg_class c"
            + " join pg_namespace n on n.oid = c.relnamespace join pg_attribute a on a.attrelid = c.oid"
            + " where n.nspname = ? and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped"
            + " group by c.relname order by c.relname")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next())
                    out.put(rs.getString(1), rs.getString(2));
            }
        }
        return out;
    }

    private long countRows(PhysicalServer server, String schema) throws SQLException {
        long rows = 0;
        try (Connection c = pool(server).getConnection(); Statement s = c.createStatement()) {
            for (String t : columns(c, schema).keySet())
                try (ResultSet rs = s.executeQuery("select count(*) from " + Identifiers.quote(schema) + "." + Identifiers.quote(t))) {
                    rs.next();
                    rows += rs.getLong(1);
                }
        }
        return rows;
    }

    static String movedName(String schema, long version) {
        String suffix = "_moved_v" + version;
        // PostgreSQL names are at most 63 bytes; shard schema names are ASCII-safe by the map's checks.
        return (schema.length() + suffix.length() > 63 ? schema.substring(0, 63 - suffix.length()) : schema) + suffix;
    }

    private DataSource pool(PhysicalServer server) {
        return sharding.pools(server).primary();
    }

    private String connectionString(PhysicalServer source) {
        String given = connectionStrings.get(source.name());
        return given != null ? given : derivedConnectionString(sharding.map().primaryConfig(source.name()));
    }

    /** A libpq connection string for the server a pgjdbc URL and HikariCP credentials point at. */
    static String derivedConnectionString(HikariConfig config) {
        String url = config.getJdbcUrl();
        if (url == null || !url.startsWith("jdbc:postgresql://"))
            throw new IllegalStateException("cannot derive a libpq connection string from " + (url == null
                ? "a pool configured without a JDBC URL" : "JDBC URL " + url.replaceAll("\\?.*", ""))
                + ": give ShardMoves.builder(...).connectionString(server, \"host=... dbname=... user=...\")");
        URI uri = URI.create(url.substring("jdbc:".length()));
        Map<String, String> params = new LinkedHashMap<>();
        if (uri.getRawQuery() != null)
            for (String p : uri.getRawQuery().split("&")) {
                int eq = p.indexOf('=');
                if (eq > 0)
                    params.put(p.substring(0, eq), URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8));
            }
        Map<String, String> kv = new LinkedHashMap<>();
        kv.put("host", uri.getHost() != null ? uri.getHost() : "localhost");
        kv.put("port", Integer.toString(uri.getPort() > 0 ? uri.getPort() : 5432));
        String path = uri.getPath();
        kv.put("dbname", path != null && path.length() > 1 ? path.substring(1) : "postgres");
        String user = config.getUsername() != null ? config.getUsername() : params.get("user");
        String password = config.getPassword() != null ? config.getPassword() : params.get("password");
        if (user != null)
            kv.put("user", user);
        if (password != null)
            kv.put("password", password);
        if (params.containsKey("sslmode"))
            kv.put("sslmode", params.get("sslmode"));
        StringBuilder out = new StringBuilder();
        kv.forEach((k, v) -> out.append(out.isEmpty() ? "" : " ").append(k).append("='")
            .append(v.replace("\\", "\\\\").replace("'", "\\'")).append('\''));
        return out.toString();
    }

    private static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    private void tell(Journal j, MoveStep step, String detail) {
        try {
            listener.step(j.shard, j.from, j.to, step, detail);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "move listener " + listener + " threw at " + step + "; ignored", e);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ShardingException("interrupted while moving a shard", e);
        }
    }

    /** Collects a mover's options; each may be set once. Not thread-safe. */
    public static final class Builder {
        private final Sharding sharding;
        private @Nullable String template;
        private @Nullable ShardMigrations migrations;
        private @Nullable MoveListener listener;
        private final Map<String, String> connectionStrings = new LinkedHashMap<>();
        private @Nullable Duration copyTimeout;
        private @Nullable Duration fenceTimeout;

        private Builder(Sharding sharding) {
            this.sharding = Objects.requireNonNull(sharding, "sharding");
        }

        /**
         * The template that made the shards ({@link Sharding#createShards(String)}'s): run on the target to make
         * the shard's schema before the copy. Required.
         */
        public Builder template(String template) {
            Options.once("template", this.template);
            Objects.requireNonNull(template, "template");
            if (!template.contains("%{name}"))
                throw new IllegalArgumentException("shard template has no %{name} placeholder: " + template);
            this.template = template;
            return this;
        }

        /** The shard migrations, run on the target after the template so its tables and history match. */
        public Builder migrations(ShardMigrations migrations) {
            Options.once("migrations", this.migrations);
            this.migrations = Objects.requireNonNull(migrations, "migrations");
            return this;
        }

        /** Told of every step; default {@link MoveListener#NONE}. */
        public Builder listener(MoveListener listener) {
            Options.once("listener", this.listener);
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * How the target reaches source {@code server}, as a libpq connection string ({@code host=10.0.0.5
         * dbname=app user=replicator}), when what the pool's JDBC URL says does not work from the target.
         */
        public Builder connectionString(String server, String conninfo) {
            sharding.map().server(server);
            Objects.requireNonNull(conninfo, "conninfo");
            if (connectionStrings.putIfAbsent(server, conninfo) != null)
                throw new IllegalStateException("connectionString of " + server + " is already set; each may be set once");
            return this;
        }

        /** How long the copy and catch-up may take; default {@link #DEFAULT_COPY_TIMEOUT}. */
        public Builder copyTimeout(Duration timeout) {
            Options.once("copyTimeout", this.copyTimeout);
            this.copyTimeout = positive("copyTimeout", timeout);
            return this;
        }

        /**
         * The longest the fence holds writes to the moving shard; default {@link #DEFAULT_FENCE_TIMEOUT}. A
         * fence that would take longer is lifted and tried again, up to 5 times.
         */
        public Builder fenceTimeout(Duration timeout) {
            Options.once("fenceTimeout", this.fenceTimeout);
            this.fenceTimeout = positive("fenceTimeout", timeout);
            return this;
        }

        public ShardMoves build() {
            if (template == null)
                throw new IllegalStateException("template(...) is required: the target's copy of a shard is made with the"
                    + " template the shards were created with");
            return new ShardMoves(this);
        }

        private static Duration positive(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero() || d.toMillis() < 1)
                throw new IllegalArgumentException(name + " " + d + " must be at least 1 ms");
            return d;
        }
    }
}
