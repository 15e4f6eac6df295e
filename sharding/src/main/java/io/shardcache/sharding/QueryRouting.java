package io.shardcache.sharding;

import io.shardcache.sharding.internal.ShardKeyFinder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jooq.DSLContext;
import org.jooq.Query;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.ResultQuery;

/**
 * Routes a jOOQ query to its shard by the shard key it contains: the values of the {@linkplain ShardedTables
 * declared} shard-key columns in its equality and {@code IN} predicates (or in the rows of an
 * {@code INSERT ... VALUES}), read from jOOQ's query object model, never from SQL text.
 *
 * <pre>{@code
 * QueryRouting routing = QueryRouting.of(sharding, ShardedTables.builder()
 *     .table(USERS, USERS.ID).table(ORDERS, ORDERS.USER_ID).build());
 *
 * Result<UsersRecord> r = routing.fetch(selectFrom(USERS).where(USERS.ID.eq(42L)));     // user 42's shard
 * routing.execute(update(USERS).set(USERS.NAME, "x").where(USERS.ID.eq(42L)));
 * routing.route(query).fetchOne(query);                                    // or take the shard's context
 * }</pre>
 *
 * <h2>What pins a query</h2>
 * Every sharded table the query reads must be pinned: {@code col = v}, {@code v = col}, {@code col IN (...)},
 * a conjunction where one conjunct pins, a disjunction where every disjunct pins, a join whose condition
 * equates the column to a pinned one ({@code orders.user_id = users.id} with {@code users.id = 42}), an
 * INSERT whose every VALUES row gives the column. Values are the query's bind values ({@code DSL.val},
 * inline values, {@code DSL.param("n", v)}) converted to the column's type; a {@code null} or a named
 * parameter without a value pins nothing. Not pinning: no predicate, ranges, {@code NOT}, a function of the
 * column, {@code IN (SELECT ...)}. A sharded table read in a subquery, a UNION branch, a CTE, a derived
 * table or an {@code INSERT ... SELECT} is refused even if the outer query is pinned, since those rows might
 * live on other shards. When a query touches several sharded tables, their keys must route to the same
 * shards.
 *
 * <h2>What is refused</h2>
 * A query that is not pinned, touches no sharded table (it belongs on the unsharded database, or on a shard
 * picked with {@link Sharding#on(Object)}), or pins tables to different shards, is refused with an
 * {@link UnroutableQueryException} naming the table and column, before any connection is taken. Such
 * queries run through {@link Sharding#onAll} (every shard) or {@link Sharding#onShard(int)}.
 * {@link #route}, {@link #fetch} and {@link #execute} also refuse a query whose keys span several shards
 * (an {@code IN} list, a multi-row INSERT): running one statement on each shard and concatenating would be
 * wrong for ORDER BY, LIMIT and aggregates, and would insert every row on every shard. Split such a query by
 * {@link #shardsOf(Query)} or {@link Sharding#shardOf(Object)}.
 *
 * <h2>Contract</h2>
 * Immutable and thread-safe; analysing a query renders it once (with a listener that watches jOOQ visit
 * its parts) and does not touch a database. {@link #fetch} and {@link #execute} run the query through
 * jOOQ's {@code DSLContext.fetch(ResultQuery)}/{@code execute(Query)}, which attach it to the shard's
 * configuration while it runs: do not execute one query object on several threads at once (a jOOQ rule).
 * Database failures are jOOQ's {@code DataAccessException}s, as with {@link Sharding#on(Object)}.
 */
public final class QueryRouting {

    private final Sharding sharding;
    private final ShardedTables tables;
    private final ShardKeyFinder finder;

    private QueryRouting(Sharding sharding, ShardedTables tables) {
        this.sharding = sharding;
        this.tables = tables;
        this.finder = new ShardKeyFinder(tables);
    }

    /** Routing for {@code sharding}'s shards by the keys of {@code tables}. */
    public static QueryRouting of(Sharding sharding, ShardedTables tables) {
        return new QueryRouting(Objects.requireNonNull(sharding, "sharding"), Objects.requireNonNull(tables, "tables"));
    }

    public ShardedTables tables() {
        return tables;
    }

    /**
     * The logical shards {@code query} must run on, in ascending order: one for a key, possibly several for
     * an {@code IN} list or a multi-row INSERT.
     *
     * @throws UnroutableQueryException if the query is not pinned, touches no sharded table, or pins two
     *                                  sharded tables to different shards
     * @throws ShardingException        if the router cannot place a key (its type, for example)
     */
    public SortedSet<Integer> shardsOf(Query query) {
        return Collections.unmodifiableSortedSet(new TreeSet<>(placed(query).keySet()));
    }

    /**
     * The context of the one shard {@code query} belongs to; run the query on it ({@code route(q).fetch(q)}).
     *
     * @throws UnroutableQueryException as {@link #shardsOf(Query)}, and if its keys span several shards
     */
    public DSLContext route(Query query) {
        Map<Integer, List<Object>> placed = placed(query);
        if (placed.size() > 1)
            throw new UnroutableQueryException("query's keys are on " + placed.size() + " logical shards " + describe(placed)
                + "; run it once per shard with keys of that shard only, or through onAll");
        return sharding.onShard(placed.keySet().iterator().next());
    }

    /**
     * Runs {@code query} on its shard (primary) and returns its result.
     *
     * @throws UnroutableQueryException as {@link #route(Query)}, before anything runs
     */
    public <R extends Record> Result<R> fetch(ResultQuery<R> query) {
        return route(query).fetch(query);
    }

    /**
     * Executes {@code query} (INSERT, UPDATE, DELETE) on its shard (primary) and returns the row count.
     *
     * @throws UnroutableQueryException as {@link #route(Query)}, before anything runs
     */
    public int execute(Query query) {
        return route(query).execute(query);
    }

    @Override
    public String toString() {
        return "QueryRouting[" + sharding.name() + ", " + tables + "]";
    }

    /** Shard → the keys placed on it, in shard order; never empty. */
    private Map<Integer, List<Object>> placed(Query query) {
        Objects.requireNonNull(query, "query");
        List<ShardKeyFinder.Pin> pins = finder.find(query);
        if (pins.isEmpty())
            throw new UnroutableQueryException("query touches no sharded table (sharded: " + tables
                + "); run it on the unsharded database, or pick a shard with on(key) or onShard(n)");
        ShardKeyFinder.Pin firstPin = pins.getFirst();
        Map<Integer, List<Object>> first = byShard(firstPin);
        for (ShardKeyFinder.Pin pin : pins.subList(1, pins.size())) {
            Map<Integer, List<Object>> byShard = byShard(pin);
            if (!first.keySet().equals(byShard.keySet()))
                throw new UnroutableQueryException("query pins sharded tables to different shards: " + firstPin.tableText()
                    + " by " + firstPin.columnText() + " to " + describe(first) + ", " + pin.tableText() + " by "
                    + pin.columnText() + " to " + describe(byShard)
                    + "; pin both to keys of the same shards, or run it through onAll");
        }
        return first;
    }

    /** Shard → the keys of {@code pin} placed on it, in shard order. */
    private Map<Integer, List<Object>> byShard(ShardKeyFinder.Pin pin) {
        Map<Integer, List<Object>> byShard = new TreeMap<>();
        for (Object key : pin.keys())
            byShard.computeIfAbsent(sharding.shardOf(key), s -> new ArrayList<>()).add(key);
        return byShard;
    }

    private static String describe(Map<Integer, List<Object>> byShard) {
        StringBuilder b = new StringBuilder();
        byShard.forEach((shard, keys) -> b.append(b.isEmpty() ? "" : ", ").append("shard ").append(shard)
            .append(" (keys ").append(keys).append(')'));
        return "[" + b + "]";
    }
}
