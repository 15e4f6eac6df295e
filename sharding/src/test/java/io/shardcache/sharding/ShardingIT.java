package io.shardcache.sharding;

import static io.shardcache.sharding.Items.ID;
import static io.shardcache.sharding.Items.ITEMS;
import static io.shardcache.sharding.Items.MODULO;
import static io.shardcache.sharding.Items.NAME;
import static io.shardcache.sharding.Items.SHARD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two databases as two physical servers, 16 logical shards, 8 on each. Each test uses its own id range. */
class ShardingIT {

    static TestDatabases dbs;
    static String a;
    static String b;
    static Sharding sharding;

    @BeforeAll
    static void createShards() throws Exception {
        dbs = new TestDatabases();
        a = dbs.create("a");
        b = dbs.create("b");
        ShardMap map = dbs.sixteenShards(a, b).schemaPattern("shard_%04d").applicationSchema(Items.APP_SCHEMA)
            .build();
        sharding = Sharding.create(map, MODULO);
        sharding.createShards(Items.TEMPLATE);
    }

    @AfterAll
    static void dropDatabases() throws Exception {
        TestDatabases.close(sharding, dbs);
    }

    @Test
    void createShardsMadeEachSchemaOnItsServerAndRecordedTheMap() throws Exception {
        String schemas = "select nspname from pg_namespace where nspname like 'shard\\_%' order by 1";
        assertThat(dbs.query(a, schemas)).containsExactly("shard_0000", "shard_0001", "shard_0002", "shard_0003",
            "shard_0004", "shard_0005", "shard_0006", "shard_0007");
        assertThat(dbs.query(b, schemas)).containsExactly("shard_0008", "shard_0009", "shard_0010", "shard_0011",
            "shard_0012", "shard_0013", "shard_0014", "shard_0015");
        String row = "select concat_ws(',', server, logical_shards, schema_pattern, first_shard, end_shard)"
            + " from shardcache.shard_map where map_name = 'default'";
        assertThat(dbs.query(a, row)).containsExactly("db1,16,shard_%04d,0,8");
        assertThat(dbs.query(b, row)).containsExactly("db2,16,shard_%04d,8,16");
    }

    @Test
    void rowsLandInTheSchemaOfTheirShardOnTheRightServer() throws Exception {
        for (long id = 1000; id < 1064; id++)
            assertThat(sharding.on(id).insertInto(ITEMS, ID, SHARD, NAME)
                .values(id, sharding.shardOf(id), "item " + id).execute()).isEqualTo(1);
        // Read back with plain JDBC, schema by schema, on each database: no jOOQ, no mapping.
        int found = 0;
        for (int shard = 0; shard < 16; shard++) {
            String db = shard < 8 ? a : b;
            List<String> ids = dbs.query(db, "select id from \"" + sharding.schemaOf(shard)
                + "\".items where id between 1000 and 1063 order by id");
            List<String> expected = new ArrayList<>();
            for (long id = 1000 + Math.floorMod(shard - 1000, 16); id < 1064; id += 16)
                expected.add(Long.toString(id));
            assertThat(ids).as("shard %d", shard).isEqualTo(expected).hasSize(4);
            found += ids.size();
        }
        assertThat(found).isEqualTo(64);
        assertThat(dbs.query(a, "select nspname from pg_namespace where nspname = 'shard_0010'")).as("db1 holds no schema of shard 10").isEmpty();
    }

    @Test
    void onAllReturnsEveryShardsRows() {
        for (long id = 2000; id < 2048; id++)
            sharding.on(id).insertInto(ITEMS, ID, SHARD, NAME).values(id, sharding.shardOf(id), "x").execute();
        FanOutResult<List<Long>> r = sharding.onAll(ctx ->
            ctx.select(ID).from(ITEMS).where(ID.between(2000L, 2047L)).orderBy(ID).fetch(ID));
        assertThat(r.isComplete()).isTrue();
        assertThat(r.outcomes()).hasSize(16);
        for (ShardOutcome<List<Long>> o : r.outcomes()) {
            var answered = (ShardOutcome.Answered<List<Long>>) o;
            assertThat(answered.value()).hasSize(3).allMatch(id -> Math.floorMod(id, 16) == o.shard());
            assertThat(o.server()).isEqualTo(o.shard() < 8 ? "db1" : "db2");
            assertThat(o.schema()).isEqualTo(String.format("shard_%04d", o.shard()));
            assertThat(o.latency()).isPositive();
        }
        assertThat(r.values().stream().flatMap(List::stream).sorted().toList())
            .isEqualTo(LongStream.range(2000, 2048).boxed().toList());
    }

    @Test
    void connectionPerServerModeRunsEveryShardOfAServerOnOneConnection() {
        for (long id = 3000; id < 3016; id++)
            sharding.on(id).insertInto(ITEMS, ID, SHARD, NAME).values(id, sharding.shardOf(id), "y").execute();
        record Seen(int pid, int shardInRow) {
        }
        FanOutResult<Seen> r = sharding.onAll(FanOut.builder().mode(FanOutMode.CONNECTION_PER_SERVER).build(), ctx ->
            new Seen(ctx.fetchValue(DSL.field("pg_backend_pid()", Integer.class)),
                ctx.select(SHARD).from(ITEMS).where(ID.between(3000L, 3015L)).fetchSingle(SHARD)));
        assertThat(r.outcomes()).hasSize(16);
        Map<String, Set<Integer>> pidsByServer = r.answers().stream().collect(Collectors.groupingBy(
            ShardOutcome::server, Collectors.mapping(o -> o.value().pid(), Collectors.toSet())));
        assertThat(pidsByServer.get("db1")).as("backends that served db1's 8 shards").hasSize(1);
        assertThat(pidsByServer.get("db2")).as("backends that served db2's 8 shards").hasSize(1);
        assertThat(pidsByServer.get("db1")).doesNotContainAnyElementsOf(pidsByServer.get("db2"));
        // The shared connection still renders each shard's own schema.
        for (ShardOutcome.Answered<Seen> o : r.answers())
            assertThat(o.value().shardInRow()).isEqualTo(o.shard());
    }

    @Test
    void aSlowShardTimesOutAloneUnderBestEffort() {
        FanOut options = FanOut.builder().policy(FanOutPolicy.BEST_EFFORT).shardTimeout(Duration.ofMillis(400)).build();
        long start = System.nanoTime();
        FanOutResult<Integer> r = sharding.onAll(options, ctx -> Sharding.shardNumber(ctx) == 3
            ? ctx.fetchValue(DSL.field("(select 1 from pg_sleep(10))", Integer.class))
            : ctx.fetchValue(DSL.field("1", Integer.class)));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
        assertThat(r.missingShards()).containsExactly(3);
        assertThat(r.values()).hasSize(15).containsOnly(1);
        assertThat(r.failures().getFirst().error())
            .hasMessageContaining("logical shard 3 (schema shard_0003 on physical server db1) did not answer within 400 ms");
        // The pool is fine afterwards: the interrupted connection was discarded, not handed out again.
        assertThat(sharding.onAll(ctx -> ctx.fetchValue(DSL.field("1", Integer.class))).values()).hasSize(16);
    }

    @Test
    void closeWaitsForTheShardsAFailFastFanOutLeftRunning() {
        Sharding own = Sharding.create(dbs.sixteenShards(a, b).schemaPattern("shard_%04d").applicationSchema(Items.APP_SCHEMA)
            .build(), MODULO);
        java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();
        try {
            assertThatThrownBy(() -> own.onAll(ctx -> {
                if (Sharding.shardNumber(ctx) == 0)
                    throw new IllegalStateException("shard 0 fails first");
                running.incrementAndGet();
                try {
                    long end = System.nanoTime() + Duration.ofMillis(300).toNanos();
                    while (System.nanoTime() < end)
                        Thread.onSpinWait();   // work that ignores the cancellation's interrupt
                    return 1;
                } finally {
                    running.decrementAndGet();
                }
            })).isInstanceOf(FanOutException.class);
        } finally {
            own.close();
        }
        assertThat(running.get()).as("shard tasks still running once close() returned").isZero();
    }

    @Test
    void failFastNamesTheShardAndServerThatFailed() {
        assertThatThrownBy(() -> sharding.onAll(ctx -> Sharding.shardNumber(ctx) == 5
                ? ctx.fetchCount(DSL.table(DSL.name(Items.APP_SCHEMA, "missing")))
                : ctx.fetchCount(ITEMS)))
            .isInstanceOfSatisfying(FanOutException.class, e -> {
                assertThat(e.shard()).hasValue(5);
                assertThat(e.server()).hasValue("db1");
                assertThat(e.getMessage()).contains("stopped at the first failure (FAIL_FAST)")
                    .contains("logical shard 5 (schema shard_0005 on physical server db1) failed after")
                    .contains("relation \"shard_0005.missing\" does not exist");
            });
    }

    @Test
    void requireAllListsEveryFailureAndKeepsTheAnswers() {
        FanOut options = FanOut.builder().policy(FanOutPolicy.REQUIRE_ALL).build();
        assertThatThrownBy(() -> sharding.onAll(options, ctx -> {
            int shard = Sharding.shardNumber(ctx);
            return shard == 5 || shard == 12 ? ctx.fetchValue(DSL.field("1/0", Integer.class)) : shard;
        })).isInstanceOfSatisfying(FanOutException.class, e -> {
            assertThat(e.getMessage()).contains("failed on 2 of 16 logical shards (REQUIRE_ALL)")
                .contains("logical shard 5 (schema shard_0005 on physical server db1)")
                .contains("logical shard 12 (schema shard_0012 on physical server db2)")
                .contains("division by zero");
            assertThat(e.failures()).extracting(ShardOutcome::shard).containsExactly(5, 12);
            assertThat(e.result().values()).hasSize(14);
            assertThat(e.server()).isEmpty();
        });
    }

    @Test
    void migrationsRunOnEveryShard() throws Exception {
        sharding.runOnEveryShard("alter table %{name}.items add column if not exists note_%{shard} text");
        Set<String> columns = new HashSet<>();
        for (String db : List.of(a, b))
            columns.addAll(dbs.query(db, "select table_schema || '.' || column_name from information_schema.columns"
                + " where column_name like 'note\\_%'"));
        Set<String> expected = new HashSet<>();
        for (int shard = 0; shard < 16; shard++)
            expected.add(String.format("shard_%04d.note_%d", shard, shard));
        assertThat(columns).isEqualTo(expected);
    }

    @Test
    void aFailingTemplateNamesItsShard() {
        assertThatThrownBy(() -> sharding.createShard(9, "create table %{name}.items (id int)"))
            .isInstanceOf(ShardingException.class)
            .hasMessageContaining("template failed on logical shard 9 (schema shard_0009 on physical server db2)")
            .hasMessageContaining("already exists");
    }
}
