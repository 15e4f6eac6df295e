package io.shardcache.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import io.shardcache.sharding.MoveReport;
import io.shardcache.sharding.Routers;
import io.shardcache.sharding.ShardMap;
import io.shardcache.sharding.ShardMovedException;
import io.shardcache.sharding.ShardMoves;
import io.shardcache.sharding.Sharding;
import io.shardcache.testing.EmbeddedPostgresServer;
import io.shardcache.testing.EmbeddedServices;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.impl.DSL;

/**
 * {@code move}: moves one logical shard holding {@code --rows} rows from one server to another while writers
 * keep inserting into it and into a shard that stays, and reports the move's total time, rows copied per
 * second, how long the fence held writes, and the longest write each writer saw. Then it checks that every
 * acknowledged write is on the new server once and nothing was written to the old copy after the flip.
 *
 * <p>Starts its own two PostgreSQL servers (embedded, {@code wal_level = logical}), since logical
 * replication needs that setting and a move needs two servers; they share this machine's CPUs with the
 * writers and the benchmark.
 */
public final class MoveBenchmark {

    static final String TEMPLATE = """
        create schema if not exists %{name};
        create table if not exists %{name}.rows (id bigserial primary key, k bigint not null, v text not null)""";
    static final Table<Record> ROWS = DSL.table(DSL.name("app", "rows"));
    static final Field<Long> ID = DSL.field(DSL.name("id"), Long.class);
    static final Field<Long> KEY = DSL.field(DSL.name("k"), Long.class);
    static final Field<String> VAL = DSL.field(DSL.name("v"), String.class);
    static final int MOVED = 3;
    static final int STAYS = 5;

    private MoveBenchmark() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        int rows = 1_000_000;
        int writers = 4;
        int rate = 200;
        try {
            for (CommandLine.Option o : CommandLine.options(args, Set.of(), "--rows 1000000")) {
                switch (o.name()) {
                    case "--rows" -> rows = CommandLine.intIn(o.name(), o.value(), 0, 100_000_000);
                    case "--writers" -> writers = CommandLine.intIn(o.name(), o.value(), 0, 64);
                    case "--rate" -> rate = CommandLine.intIn(o.name(), o.value(), 1, 10_000);
                    default -> throw new IllegalArgumentException("unknown option " + o.name() + "; see --help");
                }
            }
        } catch (CommandLine.HelpRequested h) {
            out.println("""
                usage: move [--rows N] [--writers N] [--rate N]
                  --rows     rows in the moved shard before the move (default 1000000)
                  --writers  threads writing during the move, half to the moved shard, half to one that stays (default 4)
                  --rate     writes per second per writer (default 200)""");
            return 0;
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        try (EmbeddedPostgresServer pg1 = EmbeddedServices.startPostgres(Map.of("wal_level", "logical", "max_wal_size", "4GB"));
             EmbeddedPostgresServer pg2 = EmbeddedServices.startPostgres(Map.of("wal_level", "logical", "max_wal_size", "4GB"))) {
            ShardMap map = ShardMap.builder().logicalShards(8).applicationSchema("app")
                .physical("db1", config(pg1.jdbcUrl(), writers), 0, 8)
                .physical("db2", config(pg2.jdbcUrl(), writers))
                .build();
            try (Sharding sharding = Sharding.create(map, Routers.modulo())) {
                sharding.createShards(TEMPLATE);
                long load = System.nanoTime();
                execute(pg1.dataSource(), "insert into " + schema(sharding, MOVED) + ".rows (k, v) select " + MOVED
                    + " + 8 * g, md5(g::text) || md5((g + 1)::text) from generate_series(1, " + rows + ") g; analyze");
                out.printf(Locale.ROOT, "loaded %,d rows into logical shard %d on db1 in %d ms (%s)%n", rows, MOVED,
                    (System.nanoTime() - load) / 1_000_000, size(pg1.dataSource(), schema(sharding, MOVED)));
                return measure(sharding, pg1.dataSource(), pg2.dataSource(), rows, writers, rate, out);
            }
        }
    }

    private static int measure(Sharding sharding, DataSource db1, DataSource db2, int rows, int writers, int rate,
                               PrintStream out) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean moving = new AtomicBoolean();   // the longest writes count while the move runs, not warm-up's
        Map<Integer, Set<Long>> acknowledged = new ConcurrentHashMap<>();
        AtomicLong[] longestWrite = {new AtomicLong(), new AtomicLong()};
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        long interval = 1_000_000_000L / rate;
        for (int w = 0; w < writers; w++) {
            int shard = w % 2 == 0 ? MOVED : STAYS;
            AtomicLong longestHere = longestWrite[w % 2];
            threads.add(Thread.ofPlatform().name("writer-" + w).start(() -> {
                long next = System.nanoTime();
                for (long n = 0; !stop.get(); n++) {
                    long k = shard + 8L * (10_000_000 + n);
                    long began = System.nanoTime();
                    try {
                        Long id = sharding.onRetryingMoves(k, ctx -> {
                            try {
                                return ctx.insertInto(ROWS, KEY, VAL).values(k, "during").returning(ID).fetchOne(ID);
                            } catch (RuntimeException e) {
                                if (e instanceof ShardMovedException || e.getCause() instanceof ShardMovedException)
                                    refused.incrementAndGet();
                                throw e;
                            }
                        });
                        acknowledged.computeIfAbsent(shard, s -> ConcurrentHashMap.newKeySet()).add(id);
                    } catch (RuntimeException e) {
                        failed.incrementAndGet();
                    }
                    if (moving.get())
                        longestHere.accumulateAndGet(System.nanoTime() - began, Math::max);
                    next += interval;
                    LockSupport.parkNanos(next - System.nanoTime());
                }
            }));
        }
        Thread.sleep(2_000);
        moving.set(true);
        MoveReport report = ShardMoves.builder(sharding).template(TEMPLATE)
            .listener((shard, from, to, step, detail) -> out.printf(Locale.ROOT, "  %-14s %s%n", step, detail))
            .build().move(MOVED, "db2");
        Thread.sleep(1_000);   // writes right after the flip, some from contexts that still had db1
        moving.set(false);
        stop.set(true);
        for (Thread t : threads)
            t.join();
        long longestMoved = longestWrite[0].get() / 1_000_000;
        long longestOther = longestWrite[1].get() / 1_000_000;

        String moved = schema(sharding, MOVED);
        Set<Long> onTarget = new HashSet<>(longs(db2, "select id from " + moved + ".rows where v = 'during'"));
        Set<Long> ackMoved = acknowledged.getOrDefault(MOVED, Set.of());
        long lost = ackMoved.stream().filter(id -> !onTarget.contains(id)).count();
        long unacknowledged = onTarget.stream().filter(id -> !ackMoved.contains(id)).count();
        long before = longs(db2, "select count(*) from " + moved + ".rows where v <> 'during'").getFirst();
        long oldOnly = longs(db1, "select id from " + moved + "_moved_v" + report.version() + ".rows where v = 'during'")
            .stream().filter(id -> !onTarget.contains(id)).count();
        out.println(report);
        out.printf(Locale.ROOT, "writes acknowledged: %d to the moved shard, %d to shard %d; refused at the old server and"
                + " retried: %d; failed: %d%n", ackMoved.size(), acknowledged.getOrDefault(STAYS, Set.of()).size(), STAYS,
            refused.get(), failed.get());
        out.printf(Locale.ROOT, "check: rows from before on the target %d of %d; acknowledged writes missing on the target %d;"
                + " unacknowledged rows there %d; rows on the old copy but not on the target %d%n",
            before, rows, lost, unacknowledged, oldOnly);
        boolean ok = before == rows && lost == 0 && unacknowledged == 0 && oldOnly == 0 && failed.get() == 0;
        out.printf(Locale.ROOT, "# target: longest write pause under 1 s: %s%n",
            report.writePause().toMillis() < 1000 && longestMoved < 1000 ? "met" : "NOT met");
        out.printf(Locale.ROOT, "rows=%d total_ms=%d copy_ms=%d rows_per_s=%d write_pause_ms=%d longest_write_moved_ms=%d"
                + " longest_write_other_ms=%d writes=%d refused_retried=%d lost=%d correct=%s%n", report.rows(),
            report.total().toMillis(), report.copy().toMillis(), Math.round(report.rowsPerSecond()),
            report.writePause().toMillis(), longestMoved, longestOther,
            ackMoved.size() + acknowledged.getOrDefault(STAYS, Set.of()).size(), refused.get(), lost, ok);
        return ok ? 0 : 1;
    }

    private static String schema(Sharding sharding, int shard) {
        return sharding.schemaOf(shard);
    }

    private static HikariConfig config(String url, int writers) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(url);
        c.setMaximumPoolSize(Math.max(4, writers + 2));
        c.setMinimumIdle(0);
        c.setConnectionTimeout(10_000);
        return c;
    }

    private static String size(DataSource ds, String schema) throws Exception {
        long bytes = longs(ds, "select sum(pg_total_relation_size(c.oid)) from pg_class c join pg_namespace n on n.oid ="
            + " c.relnamespace where n.nspname = '" + schema + "' and c.relkind = 'r'").getFirst();
        return String.format(Locale.ROOT, "%.0f MiB with its index", bytes / 1048576.0);
    }

    private static void execute(DataSource ds, String sql) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static List<Long> longs(DataSource ds, String sql) throws Exception {
        List<Long> out = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next())
                out.add(rs.getLong(1));
        }
        return out;
    }
}
