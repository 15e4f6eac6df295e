package io.shardcache.benchmarks;

import io.shardcache.sharding.FanOut;
import io.shardcache.sharding.FanOutMode;
import io.shardcache.sharding.FanOutResult;
import io.shardcache.sharding.Routers;
import io.shardcache.sharding.ShardMap;
import io.shardcache.sharding.Sharding;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A {@code select count(*)} over 16 logical shards on 2 databases (physical servers), 8 shards each
 * (issue 4: fan-out "at most 0.3x" of running them one by one):
 * <ul>
 *   <li>{@code oneByOne}: {@code sharding.onShard(n).fetchCount(T)} for n = 0..15, one after the other;</li>
 *   <li>{@code fanOut}: {@code sharding.onAll(ctx -> ctx.fetchCount(T))}: every shard on its own virtual
 *       thread and connection ({@link FanOutMode#CONNECTION_PER_SHARD}, the default);</li>
 *   <li>{@code fanOutPerServer}: the same with {@link FanOutMode#CONNECTION_PER_SERVER}: one connection per
 *       server, its 8 shards one after the other on it, the 2 servers in parallel.</li>
 * </ul>
 *
 * <p>Two per-shard workloads ({@code workload} parameter):
 * <ul>
 *   <li>{@code sleep}: {@code T} is a view over {@value #SLEEP_ROWS} rows whose one-time filter calls
 *       {@code pg_sleep(0.02)}, so each shard's count waits 20 ms and uses almost no CPU: a query that
 *       waits on the server (I/O, locks, a remote server's latency), which is what a fan-out overlaps;</li>
 *   <li>{@code scan}: {@code T} is a table of {@value #SCAN_ROWS} rows and the count scans it: CPU-bound on
 *       the server, so at most as many counts can make progress at once as the machine has cores.</li>
 * </ul>
 *
 * <p>Each server's pool has {@value #POOL_SIZE} connections, as many as it has shards, so the default
 * fan-out can run all 16 counts at once. Parallel query is off on the pools' connections (see
 * {@link BenchDatabases#config}), so one count is one backend in every method. Setup fails the trial
 * unless the three methods all count {@code 16 x rows}, and unless one shard's {@code sleep} count takes
 * at least the 20 ms it sleeps; it prints what one shard's count takes alone. Teardown drops the two
 * databases it created.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dorg.jooq.no-logo=true", "-Dorg.jooq.no-tips=true",
    "-Dorg.slf4j.simpleLogger.log.com.zaxxer.hikari=warn"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
public class FanOutBenchmark {

    static final String APP_SCHEMA = "app";
    static final int LOGICAL_SHARDS = 16;
    static final int POOL_SIZE = LOGICAL_SHARDS / 2;
    static final int SLEEP_ROWS = 1_000;
    static final double SLEEP_SECONDS = 0.02;
    static final int SCAN_ROWS = 200_000;

    private static final FanOut PER_SERVER = FanOut.builder().mode(FanOutMode.CONNECTION_PER_SERVER).build();

    @Param({"sleep", "scan"})
    public String workload;

    private BenchDatabases dbs;
    private Sharding sharding;
    private Table<Record> counted;
    private long expected;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        int rows = switch (workload) {
            case "sleep" -> SLEEP_ROWS;
            case "scan" -> SCAN_ROWS;
            default -> throw new IllegalArgumentException("workload " + workload + ": use sleep or scan");
        };
        counted = DSL.table(DSL.name(APP_SCHEMA, workload.equals("sleep") ? "sleepy_rows" : "rows"));
        expected = (long) rows * LOGICAL_SHARDS;
        dbs = new BenchDatabases();
        try {
            String a = dbs.create("a");
            String b = dbs.create("b");
            System.out.println("# " + dbs.describeServer() + "; databases " + a + ", " + b);
            ShardMap map = ShardMap.builder().logicalShards(LOGICAL_SHARDS).applicationSchema(APP_SCHEMA)
                .physical("db1", dbs.config(a, "bench-db1", POOL_SIZE), 0, LOGICAL_SHARDS / 2)
                .physical("db2", dbs.config(b, "bench-db2", POOL_SIZE), LOGICAL_SHARDS / 2, LOGICAL_SHARDS)
                .build();
            sharding = Sharding.builder(map, Routers.jumpHash()).name("bench").build();
            // The sleep is an uncorrelated scalar subquery, which PostgreSQL runs once per statement (an
            // InitPlan, used as a one-time filter), not once per row.
            sharding.createShards("""
                create schema %{name};
                create table %{name}.rows (id bigint primary key, shard int not null, payload int not null);
                insert into %{name}.rows select g, %{shard}, g % 1000 from generate_series(1, ROWS) g;
                create view %{name}.sleepy_rows as
                  select r.* from %{name}.rows r where (select true from pg_sleep(SLEEP))"""
                .replace("ROWS", Integer.toString(rows)).replace("SLEEP", Double.toString(SLEEP_SECONDS)));
            dbs.execute(a, "vacuum analyze");
            dbs.execute(b, "vacuum analyze");
            check();
        } catch (Exception | Error e) {
            try {
                release();
            } catch (Exception | Error suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private void check() {
        String setting = sharding.onShard(0).fetchValue(
            DSL.field("current_setting('max_parallel_workers_per_gather')", String.class));
        if (!"0".equals(setting))
            throw new IllegalStateException("parallel query should be off on the pools' connections: " + setting);
        long[] alone = new long[5];
        for (int i = 0; i < alone.length; i++) {
            long start = System.nanoTime();
            int n = sharding.onShard(i % LOGICAL_SHARDS).fetchCount(counted);
            alone[i] = System.nanoTime() - start;
            if (n != expected / LOGICAL_SHARDS)
                throw new IllegalStateException("shard " + i + " counted " + n + " rows, not " + expected / LOGICAL_SHARDS);
        }
        if (workload.equals("sleep") && alone[alone.length - 1] < (long) (SLEEP_SECONDS * 1e9))
            throw new IllegalStateException("one shard's sleepy count took " + alone[alone.length - 1] / 1e6
                + " ms, less than the sleep: the sleep did not run");
        for (int i = 0; i < 3; i++) {   // also fills both pools before the first measured call
            long[] got = {oneByOne(), fanOut(), fanOutPerServer()};
            for (long g : got)
                if (g != expected)
                    throw new IllegalStateException("a method counted " + g + " rows, not " + expected + ": "
                        + Arrays.toString(got));
        }
        // jOOQ draws the plan as a table; keep the rows' text, one plan line per " / ".
        String plan = sharding.onShard(0).explain(sharding.onShard(0).selectCount().from(counted)).plan().lines()
            .filter(l -> l.startsWith("|") && !l.contains("QUERY PLAN"))
            .map(l -> l.replace("|", "").strip()).collect(Collectors.joining(" / "));
        System.out.println("# plan of one shard's count: " + plan);
        System.out.println("# workload " + workload + ": " + sharding.onShard(0).render(sharding.onShard(0).selectCount().from(counted))
            + "; one shard's count alone, ms: " + Arrays.stream(alone)
                .mapToObj(t -> String.format("%.2f", t / 1e6)).toList() + "; every method counts " + expected);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        release();
    }

    private void release() throws Exception {
        try {
            if (sharding != null)
                sharding.close();
        } finally {
            sharding = null;
            if (dbs != null)
                dbs.close();
            dbs = null;
        }
    }

    @Benchmark
    public long oneByOne() {
        long total = 0;
        for (int shard = 0; shard < LOGICAL_SHARDS; shard++)
            total += sharding.onShard(shard).fetchCount(counted);
        return total;
    }

    @Benchmark
    public long fanOut() {
        return sum(sharding.onAll(ctx -> ctx.fetchCount(counted)));
    }

    @Benchmark
    public long fanOutPerServer() {
        return sum(sharding.onAll(PER_SERVER, ctx -> ctx.fetchCount(counted)));
    }

    private static long sum(FanOutResult<Integer> result) {
        long total = 0;
        for (int n : result.values())
            total += n;
        return total;
    }
}
