package io.shardcache.sharding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import io.shardcache.query.CachingDSL;
import io.shardcache.query.Regions;
import io.shardcache.testing.EmbeddedPostgresServer;
import io.shardcache.testing.EmbeddedServices;
import io.shardcache.testing.Eventually;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Shard moves between two real PostgreSQL servers started here with {@code wal_level = logical} (db1 holds
 * the 8 logical shards, db2 is added empty), and a third server, a database on the shared test server,
 * whose {@code wal_level} is {@code replica}. Each test makes its shards afresh.
 */
class ShardMovesIT {

    static final Table<Record> ROWS = DSL.table(DSL.name(Items.APP_SCHEMA, "rows"));
    static final Field<Long> ID = DSL.field(DSL.name("id"), Long.class);
    static final Field<Long> KEY = DSL.field(DSL.name("k"), Long.class);
    static final Field<String> VAL = DSL.field(DSL.name("v"), String.class);

    /** A sequence-numbered table, so that the move must carry the sequence across too. */
    static final String TEMPLATE = """
        create schema if not exists %{name};
        create table if not exists %{name}.rows (id bigserial primary key, k bigint not null, v text not null)""";

    static EmbeddedPostgresServer pg1;
    static EmbeddedPostgresServer pg2;
    /** A hot standby of db2, by PostgreSQL's physical streaming replication: db2's replica in the map. */
    static EmbeddedPostgresServer pg2Standby;
    static TestDatabases shared;
    static String replicaLevelDb;

    Sharding sharding;
    ShardMap map;

    @BeforeAll
    static void startServers() throws Exception {
        pg1 = EmbeddedServices.startPostgres(Map.of("wal_level", "logical"));
        pg2 = EmbeddedServices.startPostgres(Map.of("wal_level", "logical"));
        pg2Standby = pg2.startStandby();
        shared = new TestDatabases();
        replicaLevelDb = shared.create("moves_db3");
    }

    @AfterAll
    static void stopServers() throws Exception {
        if (shared != null)
            shared.close();
        if (pg1 != null)
            pg1.close();
        if (pg2Standby != null)
            pg2Standby.close();
        if (pg2 != null)
            pg2.close();
    }

    @BeforeEach
    void createShards() throws Exception {
        for (EmbeddedPostgresServer pg : List.of(pg1, pg2))
            execute(pg.dataSource(), "drop schema if exists shardcache cascade;"
                + " do $$ declare s record; begin for s in select nspname from pg_namespace where nspname like 'shard_%' or nspname like 'plan_%'"
                + " loop execute format('drop schema %I cascade', s.nspname); end loop;"
                + " for s in select subname from pg_subscription loop execute format('alter subscription %I disable', s.subname);"
                + " execute format('alter subscription %I set (slot_name = none)', s.subname);"
                + " execute format('drop subscription %I', s.subname); end loop;"
                + " for s in select pubname from pg_publication loop execute format('drop publication %I', s.pubname); end loop;"
                + " end $$; select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_type = 'logical'");
        execute(shared.postgres.withDatabase(replicaLevelDb).dataSource(), "drop schema if exists shardcache cascade");
        map = newMap();
        sharding = Sharding.create(map, Items.MODULO);
        sharding.createShards(TEMPLATE);
    }

    @AfterEach
    void closeSharding() {
        if (sharding != null)
            sharding.close();
    }

    static ShardMap newMap() {
        return ShardMap.builder().logicalShards(8).applicationSchema(Items.APP_SCHEMA)
            .physical("db1", config(pg1.jdbcUrl(), "db1"), 0, 8)
            .physical("db2", config(pg2.jdbcUrl(), "db2"))
            .physical("db3", shared.config(replicaLevelDb, "db3", 2))
            .replica("db2", config(pg2Standby.jdbcUrl(), "db2-standby"))
            .build();
    }

    static HikariConfig config(String url, String name) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(url);
        c.setMaximumPoolSize(8);
        c.setMinimumIdle(0);
        c.setConnectionTimeout(5_000);
        c.addDataSourceProperty("ApplicationName", name);
        return c;
    }

    ShardMoves moves(MoveListener listener) {
        return ShardMoves.builder(sharding).template(TEMPLATE).listener(listener).fenceTimeout(Duration.ofSeconds(2)).build();
    }

    @Test
    void aShardMovesUnderReadsAndWritesWithNoLostOrDuplicatedWriteAndOtherShardsNeverPaused() throws Exception {
        // Keys k with k mod 8 = 3 live on shard 3, the one that moves; k mod 8 = 5 on shard 5, which stays.
        for (long k = 3; k < 3 + 8 * 200; k += 8)
            sharding.on(k).insertInto(ROWS, KEY, VAL).values(k, "before").execute();
        AtomicBoolean stop = new AtomicBoolean();
        Map<Long, Set<Long>> acknowledged = new ConcurrentHashMap<>();   // shard -> ids the database returned
        AtomicLong longestWrite3 = new AtomicLong();
        AtomicLong longestWrite5 = new AtomicLong();
        AtomicInteger moved = new AtomicInteger();
        AtomicInteger wrongReads = new AtomicInteger();
        Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<Thread> load = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            long shard = w % 2 == 0 ? 3 : 5;
            AtomicLong longest = shard == 3 ? longestWrite3 : longestWrite5;
            load.add(Thread.ofPlatform().start(() -> {
                for (long n = 0; !stop.get(); n++) {
                    long k = shard + 8 * (1000 + n);
                    long began = System.nanoTime();
                    try {
                        Long id = sharding.onRetryingMoves(k, ctx -> {
                            try {
                                return ctx.insertInto(ROWS, KEY, VAL).values(k, "during").returning(ID).fetchOne(ID);
                            } catch (RuntimeException e) {
                                if (e instanceof ShardMovedException || e.getCause() instanceof ShardMovedException)
                                    moved.incrementAndGet();
                                throw e;
                            }
                        });
                        acknowledged.computeIfAbsent(shard, s -> ConcurrentHashMap.newKeySet()).add(id);
                    } catch (RuntimeException e) {
                        errors.add(e);
                    }
                    longest.accumulateAndGet(System.nanoTime() - began, Math::max);
                }
            }));
        }
        for (int r = 0; r < 2; r++)
            load.add(Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    try {
                        // Every row of shard 3 says which key it holds: a read from the wrong place would not.
                        List<Long> keys = sharding.onRetryingMoves(3L, ctx -> ctx.select(KEY).from(ROWS).fetch(KEY));
                        if (keys.size() < 200 || keys.stream().anyMatch(k -> k % 8 != 3))
                            wrongReads.incrementAndGet();
                    } catch (RuntimeException e) {
                        errors.add(e);
                    }
                }
            }));
        Thread.sleep(300);
        List<String> steps = new ArrayList<>();
        MoveReport report = moves((shard, from, to, step, detail) -> steps.add(step + ": " + detail)).move(3, "db2");
        Thread.sleep(300);
        stop.set(true);
        for (Thread t : load)
            t.join();

        System.out.println(report + "; longest write on shard 3: " + longestWrite3.get() / 1_000_000 + " ms, on shard 5: "
            + longestWrite5.get() / 1_000_000 + " ms; writes refused at the old place and retried: " + moved.get());
        steps.forEach(s -> System.out.println("  " + s));
        assertThat(errors).isEmpty();
        assertThat(wrongReads).hasValue(0);
        assertThat(report.from()).isEqualTo("db1");
        assertThat(report.to()).isEqualTo("db2");
        assertThat(sharding.serverOf(3).name()).isEqualTo("db2");
        assertThat(sharding.shardsOn("db2")).containsExactly(3);
        assertThat(sharding.mapVersion()).isEqualTo(report.version());

        // Every acknowledged write is on db2, once; nothing else is, and the old copy holds nothing written after.
        List<Long> onTarget = longs(pg2.dataSource(), "select id from shard_0003.rows where v = 'during'");
        assertThat(new HashSet<>(onTarget)).hasSize(onTarget.size()).isEqualTo(acknowledged.get(3L));
        assertThat(longs(pg2.dataSource(), "select count(*) from shard_0003.rows where v = 'before'")).containsExactly(200L);
        List<Long> onOld = longs(pg1.dataSource(), "select id from \"shard_0003_moved_v" + report.version() + "\".rows where v = 'during'");
        assertThat(acknowledged.get(3L)).containsAll(onOld);
        assertThat(longs(pg1.dataSource(), "select count(*) from pg_namespace where nspname = 'shard_0003'")).containsExactly(0L);
        assertThat(acknowledged.get(5L)).isNotEmpty();
        assertThat(longs(pg1.dataSource(), "select count(*) from shard_0005.rows")).containsExactly((long) acknowledged.get(5L).size());

        // The sequence came across: a new row on db2 takes an id above every id the source handed out.
        long maxId = longs(pg2.dataSource(), "select max(id) from shard_0003.rows").getFirst();
        long next = sharding.on(3L).insertInto(ROWS, KEY, VAL).values(3L, "after").returning(ID).fetchOne(ID);
        assertThat(next).isGreaterThan(maxId);

        // Replication is gone from both servers; the old copy waits for cleanup.
        assertThat(longs(pg2.dataSource(), "select count(*) from pg_subscription")).containsExactly(0L);
        assertThat(longs(pg1.dataSource(), "select count(*) from pg_replication_slots")).containsExactly(0L);
        assertThat(longs(pg1.dataSource(), "select count(*) from pg_publication")).containsExactly(0L);
        ShardMoves moves = moves(MoveListener.NONE);
        assertThat(moves.cleanup(Duration.ofHours(1))).isEmpty();
        assertThat(moves.cleanup(Duration.ZERO)).containsExactly("db1.shard_0003_moved_v" + report.version());
        assertThat(longs(pg1.dataSource(), "select count(*) from pg_namespace where nspname like 'shard_0003%'")).containsExactly(0L);
    }

    @Test
    void aProcessWithTheOldMapIsRefusedAtTheOldPlaceLearnsTheMoveAndWritesOnTheNewServer() throws Exception {
        try (Sharding stale = Sharding.create(newMap(), Items.MODULO)) {
            DSLContext shard3 = stale.on(3L);
            for (int i = 0; i < 10; i++)       // enough for pgjdbc to prepare the statement on the server
                shard3.insertInto(ROWS, KEY, VAL).values(3L, "stale-before").execute();

            MoveReport report = moves(MoveListener.NONE).move(3, "db2");

            assertThat(stale.serverOf(3).name()).isEqualTo("db1");      // it has not heard of the move
            assertThatThrownBy(() -> shard3.insertInto(ROWS, KEY, VAL).values(3L, "refused").execute())
                .isInstanceOfSatisfying(ShardMovedException.class, e -> {
                    assertThat(e.from()).isEqualTo("db1");
                    assertThat(e.to()).isEqualTo("db2");
                    assertThat(e.getMessage()).contains("logical shard 3 (schema shard_0003) moved from physical server db1"
                        + " to db2 (map version " + report.version() + ")").contains("nothing was applied");
                });
            assertThat(stale.serverOf(3).name()).isEqualTo("db2");
            assertThat(stale.mapVersion()).isEqualTo(report.version());
            shard3.insertInto(ROWS, KEY, VAL).values(3L, "stale-after").execute();    // the same context, now on db2

            assertThat(longs(pg2.dataSource(), "select count(*) from shard_0003.rows where v = 'stale-before'")).containsExactly(10L);
            assertThat(longs(pg2.dataSource(), "select count(*) from shard_0003.rows where v = 'stale-after'")).containsExactly(1L);
            assertThat(longs(pg1.dataSource(), "select count(*) from \"shard_0003_moved_v" + report.version()
                + "\".rows where v in ('refused', 'stale-after')")).containsExactly(0L);

            // A process started after the move routes there from initialize() on.
            try (Sharding fresh = Sharding.create(newMap(), Items.MODULO)) {
                fresh.initialize();
                assertThat(fresh.serverOf(3).name()).isEqualTo("db2");
                assertThat(fresh.on(3L).fetchCount(ROWS)).isEqualTo(11);
                assertThat(fresh.onAll(ctx -> ctx.fetchCount(ROWS)).values()).hasSize(8);
            }
        }
    }

    /**
     * A transaction of a process that has not heard of the move holds a connection to the old server; while
     * it is open the shard moves and another thread of that process learns it. The transaction's next
     * statement is refused at the old server: it must be a {@link ShardMovedException} naming that server,
     * though the process's placement already says db2 when the statement starts.
     */
    @Test
    void aTransactionOpenedOnTheOldServerBeforeAnotherThreadLearntTheMoveIsRefusedAsMoved() throws Exception {
        try (Sharding stale = Sharding.create(newMap(), Items.MODULO)) {
            CountDownLatch open = new CountDownLatch(1);
            CountDownLatch learnt = new CountDownLatch(1);
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            Thread tx = Thread.ofPlatform().start(() -> {
                try {
                    stale.on(3L).transaction(c -> {
                        DSL.using(c).selectOne().fetch();   // the connection to db1 is taken; no lock on the shard
                        open.countDown();
                        await(learnt);
                        DSL.using(c).insertInto(ROWS, KEY, VAL).values(3L, "in the old transaction").execute();
                    });
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            assertThat(open.await(30, TimeUnit.SECONDS)).isTrue();
            moves(MoveListener.NONE).move(3, "db2");
            assertThatThrownBy(() -> stale.on(3L).fetchCount(ROWS)).isInstanceOf(ShardMovedException.class);
            assertThat(stale.serverOf(3).name()).as("another thread learnt the move").isEqualTo("db2");
            learnt.countDown();
            tx.join();

            assertThat(failure.get()).isNotNull();
            ShardMovedException moved = null;
            for (Throwable t = failure.get(); t != null && moved == null; t = t.getCause())
                moved = t instanceof ShardMovedException m ? m : null;
            assertThat(moved).as("%s", failure.get()).isNotNull();
            assertThat(moved.from()).isEqualTo("db1");
            assertThat(moved.to()).isEqualTo("db2");
            assertThat(longs(pg2.dataSource(), "select count(*) from shard_0003.rows")).containsExactly(0L);
        }
    }

    @Test
    void aShardCanMoveBackAndMigrationsFollowIt() throws Exception {
        ShardMoves moves = moves(MoveListener.NONE);
        sharding.on(6L).insertInto(ROWS, KEY, VAL).values(6L, "x").execute();
        MoveReport there = moves.move(6, "db2");
        MoveReport back = moves.move(6, "db1");
        assertThat(back.version()).isGreaterThan(there.version());
        assertThat(sharding.serverOf(6).name()).isEqualTo("db1");
        assertThat(sharding.on(6L).fetchCount(ROWS)).isEqualTo(1);
        assertThat(longs(pg2.dataSource(), "select count(*) from pg_namespace where nspname = 'shard_0006'")).containsExactly(0L);
        sharding.runOnEveryShard("alter table %{name}.rows add column if not exists note text");
        assertThat(longs(pg1.dataSource(), "select count(*) from information_schema.columns where column_name = 'note'"
            + " and table_schema like 'shard_000_'")).containsExactly(8L);
    }

    @Test
    void badMovesAreRefusedUpFrontNamingTheProblem() throws Exception {
        ShardMoves moves = moves(MoveListener.NONE);
        assertThatThrownBy(() -> moves.move(1, "db9")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("unknown physical server 'db9'");
        assertThatThrownBy(() -> moves.move(1, "db1")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("logical shard 1 already lives on physical server db1");
        assertThatThrownBy(() -> moves.move(8, "db2")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("logical shard 8 does not exist");
        assertThatThrownBy(() -> moves.move(1, "db3")).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("physical server db3").hasMessageContaining("wal_level = replica")
            .hasMessageContaining("needs wal_level = logical");
        execute(pg1.dataSource(), "create table shard_0002.audit (at timestamptz, what text)");
        assertThatThrownBy(() -> moves.move(2, "db2")).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("table shard_0002.audit on db1 has no primary key and no replica identity");
        assertThat(sharding.serverOf(2).name()).isEqualTo("db1");
        assertThat(longs(pg2.dataSource(), "select count(*) from pg_namespace where nspname = 'shard_0002'")).containsExactly(0L);

        // Mid-move: a mover held at COPYING; another target, and a second mover, are refused.
        CountDownLatch copying = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ShardMoves held = moves((shard, from, to, step, detail) -> {
            if (step == MoveStep.COPYING) {
                copying.countDown();
                await(release);
            }
        });
        Thread mover = Thread.ofPlatform().start(() -> held.move(4, "db2"));
        assertThat(copying.await(60, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> moves.move(4, "db3")).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("logical shard 4 is mid-move from db1 to db2");
        assertThatThrownBy(() -> moves.move(4, "db2")).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("logical shard 4 is being moved by another process");
        release.countDown();
        mover.join();
        assertThat(sharding.serverOf(4).name()).isEqualTo("db2");
        assertThatThrownBy(() -> ShardMoves.builder(sharding).build()).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("template(...) is required");
    }

    @Test
    void aMoverKilledAtEachStepIsFinishedByRunningTheMoveAgainWithTheSourcesData() throws Exception {
        MoveStep[] steps = {MoveStep.STARTED, MoveStep.TARGET_CREATED, MoveStep.COPYING, MoveStep.COPIED,
            MoveStep.CAUGHT_UP, MoveStep.FENCED, MoveStep.FLIPPED};
        for (int shard = 0; shard < steps.length; shard++)
            for (int i = 0; i < 50; i++)
                sharding.onShard(shard).insertInto(ROWS, KEY, VAL).values((long) shard + 8L * i, "row " + i).execute();
        ShardMoves moves = moves(MoveListener.NONE);
        for (int shard = 0; shard < steps.length; shard++) {
            List<String> before = rows(pg1.dataSource(), "shard_000" + shard);
            String java = ProcessHandle.current().info().command().orElse("java");
            String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            Process child = new ProcessBuilder(java, "-cp", cp, MoveChild.class.getName(), pg1.jdbcUrl(), pg2.jdbcUrl(),
                shared.postgres.jdbcUrl(replicaLevelDb), Integer.toString(shard), steps[shard].name())
                .redirectErrorStream(true).start();
            try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream()))) {
                String line;
                List<String> seen = new ArrayList<>();
                while ((line = out.readLine()) != null && !line.equals("AT " + steps[shard]))
                    seen.add(line);
                assertThat(line).as("the child reached %s; it said %s", steps[shard], seen).isNotNull();
                child.destroyForcibly();
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }

            MoveReport r = moves.move(shard, "db2");

            assertThat(r.resumed()).as("killed at %s", steps[shard]).isEqualTo(steps[shard] == MoveStep.FLIPPED);
            assertThat(sharding.serverOf(shard).name()).isEqualTo("db2");
            assertThat(rows(pg2.dataSource(), "shard_000" + shard)).as("killed at %s", steps[shard]).isEqualTo(before);
            assertThat(sharding.onShard(shard).fetchCount(ROWS)).isEqualTo(50);
            assertThat(longs(pg2.dataSource(), "select count(*) from pg_subscription")).containsExactly(0L);
            assertThat(longs(pg1.dataSource(), "select count(*) from pg_replication_slots")).containsExactly(0L);
            assertThat(longs(pg1.dataSource(), "select count(*) from pg_publication")).containsExactly(0L);
        }
        assertThat(longs(pg1.dataSource(), "select count(*) from shardcache.shard_move where state = 'ROLLED_BACK'"))
            .as("every move killed before the flip was rolled back once").containsExactly(6L);
    }

    /**
     * The cache's keys and table generations are per logical shard, not per server: an entry stored before the
     * flip is served after it (the rows are the same), and a write after the flip, on the new server, makes the
     * entry stored before it outdated, so the counter it bumped is the one the entry was stored under.
     */
    @Test
    void cachedRowsStayRightAcrossTheFlipAndAWriteAfterItOutdatesEntriesStoredBeforeIt() throws Exception {
        for (long k = 3; k < 3 + 8 * 50; k += 8)
            sharding.on(k).insertInto(ROWS, KEY, VAL).values(k, "before").execute();
        try (CachingDSL cached = CachingDSL.wrap(sharding.onShard(0), Regions.builder().region("rows").build())) {
            Supplier<List<String>> viaCache = () -> cached.on(sharding.onShard(3)).fromCache("rows")
                .select(ID, KEY, VAL).from(ROWS).orderBy(ID).fetch(r -> r.value1() + "," + r.value2() + "," + r.value3());
            Supplier<List<String>> live = () -> sharding.onShard(3)
                .select(ID, KEY, VAL).from(ROWS).orderBy(ID).fetch(r -> r.value1() + "," + r.value2() + "," + r.value3());
            assertThat(viaCache.get()).hasSize(50).isEqualTo(live.get());
            assertThat(viaCache.get()).isEqualTo(live.get());
            assertThat(cached.stats("rows").hits()).isEqualTo(1);

            moves(MoveListener.NONE).move(3, "db2");

            assertThat(viaCache.get()).as("the entry stored before the flip, served after it").isEqualTo(live.get());
            assertThat(cached.stats("rows").hits()).isEqualTo(2);
            assertThat(cached.stats("rows").misses()).isEqualTo(1);

            cached.on(sharding.onShard(3)).dsl().insertInto(ROWS, KEY, VAL).values(3L, "after the flip").execute();
            assertThat(longs(pg2.dataSource(), "select count(*) from shard_0003.rows where v = 'after the flip'"))
                .containsExactly(1L);
            List<String> after = viaCache.get();
            assertThat(after).hasSize(51).isEqualTo(live.get());
            assertThat(cached.stats("rows").outdatedEntries()).as("the write bumped the counter of the entry").isEqualTo(1);
            assertThat(cached.stats("rows").misses()).isEqualTo(2);
            assertThat(viaCache.get()).isEqualTo(after);
            assertThat(cached.stats("rows").hits()).isEqualTo(3);
        }
    }

    /**
     * Generated work of every statement kind (single inserts with {@code returning}, updates, deletes, a batch
     * in a transaction, a transaction of several statements, reads) on the moving shard and on one that stays,
     * by three threads each on keys of its own, while the shard moves. Each thread keeps a model of its keys;
     * every read must equal the model, and at the end each shard's rows must equal the models: no write lost,
     * none applied twice, none half-applied.
     */
    @Test
    void generatedStatementsOfEveryKindAgreeWithAModelAcrossTheFlip() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
        Map<Long, String> model = new ConcurrentHashMap<>();   // key -> value; each thread writes its own keys
        AtomicInteger operations = new AtomicInteger();
        AtomicInteger wrongReads = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        CountDownLatch warmedUp = new CountDownLatch(3);
        for (int t = 0; t < 3; t++) {
            long seed = 1000 + t;
            long shard = t < 2 ? 3 : 5;
            long firstKey = shard + 8L * 100_000 * (t + 1);
            threads.add(Thread.ofPlatform().start(() -> {
                java.util.Random random = new java.util.Random(seed);
                for (int n = 0; !stop.get() || n < 600; n++) {
                    if (n == 100)
                        warmedUp.countDown();
                    long k = firstKey + 8L * random.nextInt(40);
                    long k2 = firstKey + 8L * random.nextInt(40);
                    String v = "v" + n;
                    try {
                        switch (random.nextInt(6)) {
                            case 0 -> {   // insert ... returning, or update if present
                                if (model.containsKey(k)) {
                                    sharding.onRetryingMoves(k, ctx -> ctx.update(ROWS).set(VAL, v).where(KEY.eq(k)).execute());
                                } else {
                                    Long id = sharding.onRetryingMoves(k, ctx -> ctx.insertInto(ROWS, KEY, VAL).values(k, v)
                                        .returning(ID).fetchOne(ID));
                                    if (id == null)
                                        errors.add(new AssertionError("no id returned for " + k));
                                }
                                model.put(k, v);
                            }
                            case 1 -> {
                                sharding.onRetryingMoves(k, ctx -> ctx.deleteFrom(ROWS).where(KEY.eq(k)).execute());
                                model.remove(k);
                            }
                            case 2 -> {   // a batch of inserts of absent keys, in one transaction
                                List<Long> absent = java.util.stream.LongStream.range(0, 40).map(i -> firstKey + 8 * i)
                                    .filter(x -> !model.containsKey(x)).limit(3).boxed().toList();
                                if (absent.isEmpty())
                                    break;
                                sharding.onRetryingMoves(k, ctx -> ctx.transactionResult(c -> DSL.using(c).batch(absent.stream()
                                    .map(x -> DSL.using(c).insertInto(ROWS, KEY, VAL).values(x, v)).toList()).execute()));
                                absent.forEach(x -> model.put(x, v));
                            }
                            case 3 -> {   // two statements in one transaction: move a value from k2 to k
                                if (k == k2 || !model.containsKey(k2))
                                    break;
                                String moved = model.get(k2);
                                sharding.onRetryingMoves(k, ctx -> ctx.transactionResult(c -> {
                                    DSL.using(c).deleteFrom(ROWS).where(KEY.eq(k)).execute();
                                    DSL.using(c).insertInto(ROWS, KEY, VAL).values(k, moved).execute();
                                    return DSL.using(c).deleteFrom(ROWS).where(KEY.eq(k2)).execute();
                                }));
                                model.put(k, moved);
                                model.remove(k2);
                            }
                            default -> {
                                List<String> read = sharding.onRetryingMoves(k, ctx -> ctx.select(VAL).from(ROWS)
                                    .where(KEY.eq(k)).fetch(VAL));
                                String want = model.get(k);
                                if (!read.equals(want == null ? List.of() : List.of(want)))
                                    wrongReads.incrementAndGet();
                            }
                        }
                        operations.incrementAndGet();
                    } catch (RuntimeException e) {
                        errors.add(e);
                        return;
                    }
                }
            }));
        }
        assertThat(warmedUp.await(60, TimeUnit.SECONDS)).isTrue();
        MoveReport report = moves(MoveListener.NONE).move(3, "db2");
        stop.set(true);
        for (Thread t : threads)
            t.join();

        System.out.println(report + "; " + operations.get() + " generated operations");
        assertThat(errors).isEmpty();
        assertThat(wrongReads).hasValue(0);
        for (long shard : new long[] {3, 5}) {
            Map<Long, String> want = new java.util.TreeMap<>();
            model.forEach((k, v) -> {
                if (k % 8 == shard)
                    want.put(k, v);
            });
            Map<Long, String> have = new java.util.TreeMap<>();
            for (Record r : sharding.on(shard).select(KEY, VAL).from(ROWS).fetch())
                assertThat(have.put(r.get(KEY), r.get(VAL))).as("key %d once", r.get(KEY)).isNull();
            assertThat(have).as("shard %d", shard).isEqualTo(want);
        }
    }

    /**
     * db1 has no replica, so before the move a replica read of shard 3 goes to db1's primary; after it, to
     * db2's standby, which received the shard by its own physical replication of db2.
     */
    @Test
    void afterTheFlipReplicaReadsGoToTheNewServersStandbyWhichReceivedTheShard() throws Exception {
        for (long k = 3; k < 3 + 8 * 20; k += 8)
            sharding.on(k).insertInto(ROWS, KEY, VAL).values(k, "before").execute();
        assertThat(sharding.onReplica(3L).fetchValue(DSL.field("inet_server_port()", Integer.class)))
            .as("db1 has no replica: its primary answers").isEqualTo(pg1.service().port());

        moves(MoveListener.NONE).move(3, "db2");
        sharding.on(3L).insertInto(ROWS, KEY, VAL).values(3L, "after").execute();
        List<Long> onPrimary = sharding.on(3L).select(ID).from(ROWS).orderBy(ID).fetch(ID);
        Eventually.await("the standby of db2 has every row of shard 3", Duration.ofSeconds(30),
            () -> {
                try {
                    return longs(pg2Standby.dataSource(), "select id from shard_0003.rows order by id");
                } catch (java.sql.SQLException notReplayedYet) {   // 42P01 until the standby replayed the schema
                    return List.of();
                }
            }, onPrimary::equals);

        DSLContext replica = sharding.onReplica(3L);
        assertThat(replica.fetchValue(DSL.field("inet_server_port()", Integer.class))).isEqualTo(pg2Standby.service().port());
        assertThat(replica.fetchValue(DSL.field("pg_is_in_recovery()", Boolean.class))).isTrue();
        assertThat(replica.select(ID).from(ROWS).orderBy(ID).fetch(ID)).isEqualTo(onPrimary);
        assertThat(sharding.onReplica(5L).fetchValue(DSL.field("inet_server_port()", Integer.class)))
            .as("shard 5 stayed on db1").isEqualTo(pg1.service().port());
    }

    /**
     * A second map on the same servers (db1 with every shard, db2 empty) whose shards differ in size: a plan by
     * size, run with progress; a plan run again skips what is made; a plan that no longer matches is refused.
     */
    @Test
    void aPlanBySizeIsPrintedAndRunOneMoveAtATimeWithProgress() throws Exception {
        ShardMap twoServers = ShardMap.builder().logicalShards(8).applicationSchema(Items.APP_SCHEMA)
            .schemaPattern("plan_%04d")
            .physical("db1", config(pg1.jdbcUrl(), "plan-db1"), 0, 8)
            .physical("db2", config(pg2.jdbcUrl(), "plan-db2"))
            .build();
        try (Sharding plans = Sharding.builder(twoServers, Items.MODULO).name("plans").build()) {
            plans.createShards(TEMPLATE);
            for (int shard = 0; shard < 8; shard++)    // shard n holds (n + 1) * 400 rows of 200 bytes
                execute(pg1.dataSource(), "insert into plan_000" + shard + ".rows (k, v) select " + shard
                    + " + 8 * g, repeat('x', 200) from generate_series(1, " + (shard + 1) * 400 + ") g");
            Map<Integer, List<String>> before = new java.util.HashMap<>();
            for (int shard = 0; shard < 8; shard++)
                before.put(shard, rows(pg1.dataSource(), "plan_000" + shard));
            List<String> progress = new ArrayList<>();
            ShardMoves moves = ShardMoves.builder(plans).template(TEMPLATE).listener(new MoveListener() {
                @Override
                public void step(int shard, String from, String to, MoveStep step, String detail) {
                    if (step == MoveStep.DONE)
                        progress.add("done " + shard);
                }

                @Override
                public void planned(int index, int total, MovePlan.Move move) {
                    progress.add(index + "/" + total + " " + move.shard());
                }
            }).build();

            MovePlan plan = moves.plan(MovePlan.Balance.SIZE);
            System.out.println(plan);

            assertThat(plan.moves()).isNotEmpty().allMatch(m -> m.from().equals("db1") && m.to().equals("db2"));
            long beforeGap = plan.before().get(0).bytes() - plan.before().get(1).bytes();
            long afterGap = Math.abs(plan.after().get(0).bytes() - plan.after().get(1).bytes());
            assertThat(afterGap).isLessThan(beforeGap / 4);
            assertThat(moves.plan(MovePlan.Balance.SHARD_COUNT).moves()).extracting(MovePlan.Move::shard)
                .as("by count, the four smallest").containsExactly(0, 1, 2, 3);

            List<MoveReport> reports = moves.run(plan);

            List<String> expected = new ArrayList<>();
            for (int i = 0; i < plan.moves().size(); i++)
                expected.addAll(List.of((i + 1) + "/" + plan.moves().size() + " " + plan.moves().get(i).shard(),
                    "done " + plan.moves().get(i).shard()));
            assertThat(progress).isEqualTo(expected);
            assertThat(reports).extracting(MoveReport::shard)
                .isEqualTo(plan.moves().stream().map(MovePlan.Move::shard).toList());
            for (MovePlan.Load load : plan.after())
                assertThat(plans.shardsOn(load.server())).as(load.server()).hasSize(load.shards());
            for (int shard = 0; shard < 8; shard++)
                assertThat(rows(plans.serverOf(shard).name().equals("db1") ? pg1.dataSource() : pg2.dataSource(),
                    "plan_000" + shard)).as("shard %d", shard).isEqualTo(before.get(shard));

            progress.clear();
            assertThat(moves.run(plan)).as("a plan run again moves nothing").isEmpty();
            assertThat(progress).isEmpty();
            int stays = plans.shardsOn("db1").getFirst();
            MovePlan stale = new MovePlan("plans", MovePlan.Balance.SIZE,
                List.of(new MovePlan.Move(stays, "db2", "db1", 0)), plan.before(), plan.after());
            assertThat(moves.run(stale)).as("already on db1: made").isEmpty();
            MovePlan elsewhere = new MovePlan("plans", MovePlan.Balance.SIZE,
                List.of(new MovePlan.Move(stays, "db3", "db2", 0)), plan.before(), plan.after());
            assertThatThrownBy(() -> moves.run(elsewhere)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the plan is out of date: it moves logical shard " + stays + " from db3 to db2,"
                    + " but the shard lives on db1");
            MovePlan other = new MovePlan("app", MovePlan.Balance.SIZE, List.of(), plan.before(), plan.after());
            assertThatThrownBy(() -> moves.run(other)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("made for sharding 'app'");
        }
    }

    private static List<String> rows(DataSource ds, String schema) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select id, k, v from " + schema + ".rows order by id")) {
            while (rs.next())
                out.add(rs.getLong(1) + "," + rs.getLong(2) + "," + rs.getString(3));
        }
        return out;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void execute(DataSource ds, String sql) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static List<Long> longs(DataSource ds, String sql) throws Exception {
        List<Long> out = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next())
                out.add(rs.getLong(1));
        }
        return out;
    }
}
