package io.shardcache.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import io.shardcache.sharding.Routers;
import io.shardcache.sharding.ShardMap;
import io.shardcache.sharding.Sharding;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.Arrays;
import java.util.BitSet;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What sharding adds to a primary-key fetch of one row (issue 4: "at most 1.1x"), in one run:
 * <ul>
 *   <li>{@code unsharded}: {@code dsl.selectFrom(ROWS).where(ROWS.ID.eq(id)).fetchOne()} on a plain jOOQ
 *       {@link DSLContext} over one HikariCP pool, on a database holding {@code app.rows};</li>
 *   <li>{@code sharded}: {@code sharding.on(id).selectFrom(ROWS).where(ROWS.ID.eq(id)).fetchOne()} over
 *       2 databases (physical servers) x 16 logical shards, 8 on each, routed by {@link Routers#jumpHash()}:
 *       the router, the shard's cached context, jOOQ's render mapping of {@code app} to the shard's
 *       schema, and that server's pool;</li>
 *   <li>{@code shardedRoutingOnly}: {@code sharding.on(id)} alone: the router and the context lookup.</li>
 *   <li>{@code unshardedRenderOnly}, {@code shardedRenderOnly}: the same two queries rendered, not run
 *       (the sharded one routed first): the client-side difference, free of the round trip's noise.</li>
 * </ul>
 *
 * <p><b>Fair by construction.</b> The same table declaration ({@link RowsTable} in schema {@code app}),
 * the same row contents, {@value #ROWS_PER_TABLE} rows in every table (the unsharded one and each of the
 * 16 shard tables), the same pool size ({@value #POOL_SIZE}) for the unsharded pool and each server's pool,
 * all on the same PostgreSQL. Each call takes the next id of one fixed sequence of {@value #KEYS} ids
 * drawn with a fixed seed from {@code [1, ROWS_PER_TABLE]}, so every method reads the same ids in the
 * same order, and the sharded read visits all 16 shards and both servers.
 *
 * <p>Setup fails the trial unless every table holds exactly {@value #ROWS_PER_TABLE} rows, every id of
 * the sequence is in the shard the router names (checked over plain JDBC in that shard's schema on that
 * database), and for the first {@value #CHECKED_KEYS} ids the sharded read renders the shard's schema and
 * returns the same row as the unsharded one. Teardown drops the three databases it created.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dorg.jooq.no-logo=true", "-Dorg.jooq.no-tips=true",
    "-Dorg.slf4j.simpleLogger.log.com.zaxxer.hikari=warn"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 1)
public class ShardedFetchBenchmark {

    static final String APP_SCHEMA = "app";
    static final int LOGICAL_SHARDS = 16;
    static final int ROWS_PER_TABLE = 10_000;
    static final int POOL_SIZE = 2;
    /** A power of two, so the next id is an index masked, not a division. */
    static final int KEYS = 4_096;
    static final int CHECKED_KEYS = 256;
    static final long SEED = 4_242;

    private static final String COLUMNS = "id bigint primary key, name text not null, price numeric(10,2),"
        + " created_at timestamptz not null, active boolean not null";
    /** Every table's rows are this function of the id, so a row is the same wherever it lives. */
    private static final String ROW_OF_G = "g, 'row ' || g, g * 1.25,"
        + " timestamptz '2025-01-01 00:00:00+00' + g * interval '1 minute', g % 2 = 0";

    private BenchDatabases dbs;
    private HikariDataSource plainPool;
    private DSLContext plain;
    private Sharding sharding;
    private final RowsTable rows = new RowsTable(APP_SCHEMA);
    private long[] keys;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dbs = new BenchDatabases();
        try {
            String plainDb = dbs.create("plain");
            String a = dbs.create("a");
            String b = dbs.create("b");
            System.out.println("# " + dbs.describeServer() + "; databases " + plainDb + ", " + a + ", " + b);

            dbs.execute(plainDb, "create schema " + APP_SCHEMA + "; create table " + APP_SCHEMA + ".rows (" + COLUMNS + ");"
                + " insert into " + APP_SCHEMA + ".rows select " + ROW_OF_G + " from generate_series(1, " + ROWS_PER_TABLE + ") g");
            dbs.execute(plainDb, "vacuum analyze " + APP_SCHEMA + ".rows");
            plainPool = new HikariDataSource(dbs.config(plainDb, "bench-plain", POOL_SIZE));
            plain = DSL.using(plainPool, SQLDialect.POSTGRES);

            ShardMap map = ShardMap.builder().logicalShards(LOGICAL_SHARDS).applicationSchema(APP_SCHEMA)
                .physical("db1", dbs.config(a, "bench-db1", POOL_SIZE), 0, LOGICAL_SHARDS / 2)
                .physical("db2", dbs.config(b, "bench-db2", POOL_SIZE), LOGICAL_SHARDS / 2, LOGICAL_SHARDS)
                .build();
            sharding = Sharding.builder(map, Routers.jumpHash()).name("bench").build();
            sharding.createShards("create schema %{name}; create table %{name}.rows (" + COLUMNS + ")");
            BitSet stored = fillShards(a, b);

            keys = new SplittableRandom(SEED).longs(KEYS, 1, ROWS_PER_TABLE + 1).toArray();
            check(plainDb, a, b, stored);
        } catch (Exception | Error e) {
            try {
                release();
            } catch (Exception | Error suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Gives each shard exactly {@value #ROWS_PER_TABLE} rows: ids 1, 2, 3, ... go where the router puts
     * them until every shard is full (an id whose shard is already full is left out). The router spreads
     * ids evenly, so every id up to about {@code 15 * ROWS_PER_TABLE} is stored, the benchmark's ids
     * among them (checked). Returns the ids stored.
     */
    private BitSet fillShards(String a, String b) throws Exception {
        long[][] ids = new long[LOGICAL_SHARDS][ROWS_PER_TABLE];
        int[] filled = new int[LOGICAL_SHARDS];
        int full = 0;
        BitSet stored = new BitSet();
        for (long id = 1; full < LOGICAL_SHARDS; id++) {
            int shard = sharding.shardOf(id);
            if (filled[shard] == ROWS_PER_TABLE)
                continue;
            ids[shard][filled[shard]++] = id;
            stored.set((int) id);
            if (filled[shard] == ROWS_PER_TABLE)
                full++;
        }
        for (int shard = 0; shard < LOGICAL_SHARDS; shard++) {
            String db = databaseOf(shard, a, b);
            try (Connection c = dbs.connect(db);
                 PreparedStatement ps = c.prepareStatement("insert into \"" + sharding.schemaOf(shard) + "\".rows"
                     + " select " + ROW_OF_G + " from unnest(?::bigint[]) g")) {
                Array array = c.createArrayOf("bigint", Arrays.stream(ids[shard]).boxed().toArray());
                ps.setArray(1, array);
                ps.executeUpdate();
            }
        }
        dbs.execute(a, "vacuum analyze");
        dbs.execute(b, "vacuum analyze");
        return stored;
    }

    private void check(String plainDb, String a, String b, BitSet stored) throws Exception {
        long plainRows = dbs.queryLong(plainDb, "select count(*) from " + APP_SCHEMA + ".rows");
        if (plainRows != ROWS_PER_TABLE)
            throw new IllegalStateException("the unsharded table holds " + plainRows + " rows, not " + ROWS_PER_TABLE);
        for (int shard = 0; shard < LOGICAL_SHARDS; shard++) {
            long n = dbs.queryLong(databaseOf(shard, a, b), "select count(*) from \"" + sharding.schemaOf(shard) + "\".rows");
            if (n != ROWS_PER_TABLE)
                throw new IllegalStateException("shard " + shard + " holds " + n + " rows, not " + ROWS_PER_TABLE);
        }
        int[] keysPerShard = new int[LOGICAL_SHARDS];
        for (long id : keys) {
            if (!stored.get((int) id))
                throw new IllegalStateException("id " + id + " of the key sequence was not stored in its shard");
            keysPerShard[sharding.shardOf(id)]++;
        }
        for (int i = 0; i < CHECKED_KEYS; i++) {
            long id = keys[i];
            int shard = sharding.shardOf(id);
            String schema = sharding.schemaOf(shard);
            long there = dbs.queryLong(databaseOf(shard, a, b), "select count(*) from \"" + schema + "\".rows where id = " + id);
            if (there != 1)
                throw new IllegalStateException("id " + id + " is not in " + schema + " on " + sharding.serverOf(shard).name());
            String sql = sharding.on(id).render(sharding.on(id).selectFrom(rows).where(rows.ID.eq(id)));
            if (!sql.contains("\"" + schema + "\".\"rows\"") || sql.contains("\"" + APP_SCHEMA + "\""))
                throw new IllegalStateException("the sharded read of id " + id + " does not render schema " + schema + ": " + sql);
            Record unsharded = unsharded(id);
            Record sharded = sharded(id);
            if (unsharded == null || !unsharded.equals(sharded))
                throw new IllegalStateException("id " + id + ": unsharded " + unsharded + ", sharded " + sharded);
        }
        System.out.println("# " + ROWS_PER_TABLE + " rows in app.rows and in each of the " + LOGICAL_SHARDS
            + " shard tables; " + KEYS + " ids per shard " + Arrays.toString(keysPerShard) + "; first "
            + CHECKED_KEYS + " ids: same row both ways");
        System.out.println("# unsharded: " + plain.render(plain.selectFrom(rows).where(rows.ID.eq(keys[0]))));
        System.out.println("# sharded:   " + sharding.on(keys[0]).render(sharding.on(keys[0]).selectFrom(rows).where(rows.ID.eq(keys[0]))));
    }

    private static String databaseOf(int shard, String a, String b) {
        return shard < LOGICAL_SHARDS / 2 ? a : b;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        release();
    }

    /** Closes the pools, then drops the databases, even if closing a pool fails. */
    private void release() throws Exception {
        try {
            if (sharding != null)
                sharding.close();
            if (plainPool != null)
                plainPool.close();
        } finally {
            sharding = null;
            plainPool = null;
            if (dbs != null)
                dbs.close();
            dbs = null;
        }
    }

    private long nextKey() {
        return keys[next++ & (KEYS - 1)];
    }

    private Record unsharded(long id) {
        return plain.selectFrom(rows).where(rows.ID.eq(id)).fetchOne();
    }

    private Record sharded(long id) {
        return sharding.on(id).selectFrom(rows).where(rows.ID.eq(id)).fetchOne();
    }

    @Benchmark
    public Record unsharded() {
        return unsharded(nextKey());
    }

    @Benchmark
    public Record sharded() {
        return sharded(nextKey());
    }

    @Benchmark
    public DSLContext shardedRoutingOnly() {
        return sharding.on(nextKey());
    }

    /** jOOQ's rendering of the unsharded read: the client-side CPU work without the round trip. */
    @Benchmark
    public String unshardedRenderOnly() {
        long id = nextKey();
        return plain.render(plain.selectFrom(rows).where(rows.ID.eq(id)));
    }

    /** Routing plus rendering with the shard's schema mapping: what sharding adds on the client, without the round trip. */
    @Benchmark
    public String shardedRenderOnly() {
        long id = nextKey();
        DSLContext shard = sharding.on(id);
        return shard.render(shard.selectFrom(rows).where(rows.ID.eq(id)));
    }
}
