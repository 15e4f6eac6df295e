package io.shardcache.query;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jooq.impl.DSL.function;
import static org.jooq.impl.DSL.val;

import io.shardcache.query.internal.BatchLookup;
import io.shardcache.testing.Eventually;
import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.DSLContext;
import org.jooq.ExecuteContext;
import org.jooq.ExecuteListener;
import org.jooq.Record;
import org.jooq.Record1;
import org.jooq.ResultQuery;
import org.jooq.conf.Settings;
import org.jooq.conf.StatementType;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The parallel query pool on real PostgreSQL: bounded, ordered, failures by index, cached queries served from the cache. */
@ExtendWith(ServicesExtension.class)
class QueryPoolIT {

    private Db db;
    private CountingBackend backend;
    private CachingDSL cached;

    @BeforeEach
    void setUp(TestSchema schema) throws Exception {
        db = new Db(schema, 6);   // three gated queries, the gate holder and the test's own polling
        backend = new CountingBackend(TestBackends.create(schema.name(), new TestClock()));
        cached = CachingDSL.builder(db.dsl, Regions.builder()
                .region("items")
                .region("others")
                .region("near", r -> r.nearCache(1_000, Duration.ofMinutes(1)))
                .build())
            .backend(backend).build();
    }

    @AfterEach
    void tearDown() {
        cached.close();
        backend.close();
        db.close();
    }

    private static ResultQuery<Record1<String>> nameOf(DSLContext d, int id, String key) {
        return d.select(NAME).from(ITEMS).where(ID.eq(id).and(function("touch", SQLDataType.INTEGER, val(key)).eq(1)));
    }

    @Test
    void atMostParallelismQueriesRunAtOnceAndOutcomesKeepTheirOrder() throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        DSLContext counting = DSL.using(db.dsl.configuration().derive(new ExecuteListener() {
            @Override
            public void executeStart(ExecuteContext ctx) {
                most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            }

            @Override
            public void executeEnd(ExecuteContext ctx) {
                inFlight.decrementAndGet();
            }
        }));
        QueryPool pool = QueryPool.of(3);
        long gate = 7_501;
        List<ResultQuery<Record1<String>>> queries = new ArrayList<>();
        for (int id = 1; id <= 8; id++)
            queries.add(counting.select(NAME).from(ITEMS)
                .where(ID.eq(id).and(function("touch_gated", SQLDataType.INTEGER, val("g" + id), val(gate)).eq(1))));
        try (Connection holder = db.pool.getConnection(); Statement s = holder.createStatement()) {
            s.execute("select pg_advisory_lock(" + gate + ")");
            var batch = CompletableFuture.supplyAsync(() -> pool.fetchAll(queries));
            db.awaitBlockedOn(gate, 3);   // three queries are held at the gate: the pool has no fourth permit
            assertThat(inFlight.get()).isEqualTo(3);
            s.execute("select pg_advisory_unlock(" + gate + ")");
            List<QueryPool.Outcome<Record1<String>>> out = batch.get(30, TimeUnit.SECONDS);
            assertThat(out).extracting(o -> o.result().getValue(0, NAME))
                .containsExactly("item 1", "item 2", "item 3", "item 4", "item 5", "item 6", "item 7", "item 8");
            assertThat(out).extracting(QueryPool.Outcome::index).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        }
        assertThat(most.get()).as("queries on the database at once").isEqualTo(3);
    }

    @Test
    void anInterruptedBatchReturnsAtOnceWithoutWaitingForItsQueries() throws Exception {
        long gate = 7_502;
        List<ResultQuery<Record1<String>>> queries = new ArrayList<>();
        for (int id = 1; id <= 2; id++)
            queries.add(db.dsl.select(NAME).from(ITEMS)
                .where(ID.eq(id).and(function("touch_gated", SQLDataType.INTEGER, val("i" + id), val(gate)).eq(1))));
        try (Connection holder = db.pool.getConnection(); Statement s = holder.createStatement()) {
            s.execute("select pg_advisory_lock(" + gate + ")");
            CompletableFuture<Throwable> thrown = new CompletableFuture<>();
            Thread caller = Thread.ofPlatform().start(() -> {
                try {
                    QueryPool.of(2).fetchAll(queries);
                    thrown.complete(null);
                } catch (Throwable t) {
                    thrown.complete(Thread.currentThread().isInterrupted() ? t : new AssertionError("interrupt status lost", t));
                }
            });
            db.awaitBlockedOn(gate, 2);
            caller.interrupt();
            // The gate is still held: the call can only have returned by not waiting for its queries.
            assertThat(thrown.get(30, TimeUnit.SECONDS)).isInstanceOf(ShardcacheException.class)
                .hasMessageContaining("interrupted while running 2 queries");
            s.execute("select pg_advisory_unlock(" + gate + ")");
        }
    }

    @Test
    void aQueryGivenTwiceRunsOnceAndStaysUsable() throws Exception {
        ResultQuery<Record1<String>> twice = nameOf(cached.fromCache("items"), 1, "twice");
        ResultQuery<Record1<String>> plain = nameOf(db.dsl, 2, "plain");
        for (int round = 0; round < 20; round++) {
            List<QueryPool.Outcome<Record1<String>>> out = QueryPool.of(4).fetchAll(List.of(twice, plain, twice, plain));
            assertThat(out).as("round " + round).extracting(o -> o.result().getValue(0, NAME))
                .containsExactly("item 1", "item 2", "item 1", "item 2");
            assertThat(out).extracting(QueryPool.Outcome::index).containsExactly(0, 1, 2, 3);
        }
        assertThat(db.executions("plain")).as("one execution per batch, not per position").isEqualTo(20);
        assertThat(db.executions("twice")).as("cached after the first batch").isEqualTo(1);
        assertThat(twice.fetch()).as("the query is attached to its own DSL still, not a probe's")
            .extracting(r -> r.get(NAME)).containsExactly("item 1");
    }

    @Test
    void aFailingQueryIsReportedByIndexAndTheOthersKeepTheirRows() {
        List<ResultQuery<Record>> queries = List.of(
            db.dsl.resultQuery("select 1 as x"),
            db.dsl.resultQuery("select 1 / 0 as x"),
            db.dsl.resultQuery("select 3 as x"));
        List<QueryPool.Outcome<Record>> out = QueryPool.of(2).fetchAll(queries);
        assertThat(out.get(0).result().getValue(0, 0)).isEqualTo(1);
        assertThat(out.get(2).result().getValue(0, 0)).isEqualTo(3);
        assertThat(out.get(1).failed()).isTrue();
        assertThatThrownBy(() -> out.get(1).result())
            .isInstanceOf(QueryPool.QueryFailedException.class)
            .hasMessageContaining("query 1 of the batch failed")
            .hasCauseInstanceOf(DataAccessException.class)
            .satisfies(e -> assertThat(((QueryPool.QueryFailedException) e).index()).isEqualTo(1));
    }

    @Test
    void cachedQueriesInABatchAreServedFromTheCache() throws Exception {
        List<ResultQuery<Record1<String>>> queries = new ArrayList<>();
        for (int id = 1; id <= 6; id++)
            queries.add(nameOf(cached.fromCache("items"), id, "c" + id));
        QueryPool pool = QueryPool.sizedFor(db.dsl);
        assertThat(pool.parallelism()).as("the HikariCP pool's size").isEqualTo(6);
        pool.fetchAll(queries);
        List<QueryPool.Outcome<Record1<String>>> again = pool.fetchAll(queries);
        assertThat(again).extracting(o -> o.result().getValue(0, NAME))
            .containsExactly("item 1", "item 2", "item 3", "item 4", "item 5", "item 6");
        assertThat(cached.stats("items").hits()).isEqualTo(6);
        for (int id = 1; id <= 6; id++)
            assertThat(db.executions("c" + id)).isEqualTo(1);
    }

    private List<ResultQuery<Record1<String>>> names(String region, int from, int to) {
        List<ResultQuery<Record1<String>>> queries = new ArrayList<>();
        for (int id = from; id <= to; id++)
            queries.add(nameOf(cached.fromCache(region), id, region + id));
        return queries;
    }

    /** Fills the entries, then forgets every count so far (the fills' lock releases included). */
    private void fill(List<ResultQuery<Record1<String>>> queries) throws InterruptedException {
        QueryPool.of(6).fetchAll(queries).forEach(QueryPool.Outcome::result);
        backend.awaitLocksReleased();
        backend.calls.set(0);
        backend.readAlls.set(0);
    }

    @Test
    void aBatchOfHitsIsLookedUpInOneBackendCallAndRunsNothing() throws Exception {
        List<ResultQuery<Record1<String>>> queries = names("items", 1, 6);
        fill(queries);
        long hitsBefore = cached.stats("items").hits();
        List<QueryPool.Outcome<Record1<String>>> out = QueryPool.of(2).fetchAll(queries);
        assertThat(out).extracting(o -> o.result().getValue(0, NAME))
            .containsExactly("item 1", "item 2", "item 3", "item 4", "item 5", "item 6");
        assertThat(backend.readAlls.get()).as("batch lookups").isEqualTo(1);
        assertThat(backend.calls.get()).as("backend calls of the whole batch").isEqualTo(1);
        assertThat(cached.stats("items").hits() - hitsBefore).isEqualTo(6);
        for (int id = 1; id <= 6; id++)
            assertThat(db.executions("items" + id)).as("executions of item " + id).isEqualTo(1);
    }

    @Test
    void onlyTheMissesGoToTheDatabaseAndOtherQueriesRunAsAlone() throws Exception {
        // Both regions read once before (a region's first read in a JVM learns its generation: on Redis, one more call).
        fill(names("others", 5, 5));
        fill(names("items", 1, 3));
        List<ResultQuery<Record1<String>>> queries = new ArrayList<>(names("items", 1, 6));
        queries.addAll(names("others", 1, 2));           // a second region of the same engine: same lookup
        queries.add(nameOf(db.dsl, 9, "plain"));          // not cached at all
        long hitsBefore = cached.stats("items").hits();
        List<QueryPool.Outcome<Record1<String>>> out = QueryPool.of(3).fetchAll(queries);
        assertThat(out).extracting(o -> o.result().getValue(0, NAME)).containsExactly(
            "item 1", "item 2", "item 3", "item 4", "item 5", "item 6", "item 1", "item 2", "item 9");
        assertThat(backend.readAlls.get()).as("batch lookups").isEqualTo(1);
        assertThat(cached.stats("items").hits() - hitsBefore).isEqualTo(3);
        for (int id = 1; id <= 6; id++)
            assertThat(db.executions("items" + id)).as("executions of item " + id).isEqualTo(1);
        assertThat(db.executions("others1") + db.executions("others2") + db.executions("plain")).isEqualTo(3);
    }

    @Test
    void aLookupMadeBeforeALocalWriteIsNotUsed() throws Exception {
        List<ResultQuery<Record1<String>>> queries = names("items", 1, 2);
        fill(queries);
        List<BatchLookup.Ahead> ahead;
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            ahead = BatchLookup.of(queries, threads);
        }
        assertThat(ahead).allMatch(BatchLookup.Ahead::foundEntry);
        backend.calls.set(0);
        assertThat(ahead.get(1).run(queries.get(1)::fetch).getValue(0, NAME)).isEqualTo("item 2");
        assertThat(backend.calls.get()).as("a hit on the lookup made ahead").isZero();

        cached.dsl().update(ITEMS).set(NAME, "renamed").where(ID.eq(1)).execute();
        assertThat(ahead.get(0).run(queries.get(0)::fetch).getValue(0, NAME))
            .as("the write came after the lookup: the read looks again and misses").isEqualTo("renamed");
        assertThat(db.executions("items1")).isEqualTo(2);
    }

    @Test
    void nearCacheCopiesCostNoBackendCall() throws Exception {
        // A Redis backend subscribes to change messages in the background; copies are kept near only once it has.
        Eventually.await("UP", Duration.ofSeconds(10), cached::health, h -> h.status() == Health.Status.UP);
        List<ResultQuery<Record1<String>>> queries = names("near", 1, 4);
        fill(queries);
        QueryPool.of(4).fetchAll(queries);   // a first batch reads Redis and keeps the copies near
        backend.calls.set(0);
        backend.readAlls.set(0);
        List<QueryPool.Outcome<Record1<String>>> out = QueryPool.of(4).fetchAll(queries);
        assertThat(out).extracting(o -> o.result().getValue(0, NAME)).containsExactly("item 1", "item 2", "item 3", "item 4");
        assertThat(backend.calls.get()).as("backend calls of a batch of near copies").isZero();
        assertThat(cached.stats("near").nearHits()).isGreaterThanOrEqualTo(4);
    }

    @Test
    void withTheBackendDownEveryQueryStillGetsItsRows() throws Exception {
        List<ResultQuery<Record1<String>>> queries = names("items", 1, 4);
        fill(queries);
        backend.down.set(true);
        List<QueryPool.Outcome<Record1<String>>> out = QueryPool.of(2).fetchAll(queries);
        assertThat(out).extracting(o -> o.result().getValue(0, NAME)).containsExactly("item 1", "item 2", "item 3", "item 4");
        for (int id = 1; id <= 4; id++)
            assertThat(db.executions("items" + id)).as("executions of item " + id).isEqualTo(2);
    }

    @Test
    void aBatchLookupThatBreaksLeavesEachQueryToLookItselfUp() throws Exception {
        List<ResultQuery<Record1<String>>> queries = names("items", 1, 3);
        fill(queries);
        backend.readAllBroken.set(true);
        long hitsBefore = cached.stats("items").hits();
        List<QueryPool.Outcome<Record1<String>>> out = QueryPool.of(3).fetchAll(queries);
        assertThat(out).extracting(o -> o.result().getValue(0, NAME)).containsExactly("item 1", "item 2", "item 3");
        assertThat(backend.readAlls.get()).as("the one batch lookup, which failed").isEqualTo(1);
        assertThat(cached.stats("items").hits() - hitsBefore).as("each query's own read hit").isEqualTo(3);
    }

    @Test
    void aQueryThatCannotBeProbedWithoutAConnectionIsNeverRunByItsProbe() throws Exception {
        // A static statement is made with createStatement(), which a probe cannot intercept: it must fail, not run.
        DSLContext fromCacheStatic = DSL.using(cached.fromCache("items").configuration()
            .derive(new Settings().withStatementType(StatementType.STATIC_STATEMENT)));
        List<ResultQuery<Record1<String>>> queries = List.of(nameOf(fromCacheStatic, 1, "static1"),
            nameOf(fromCacheStatic, 2, "static2"));
        List<QueryPool.Outcome<Record1<String>>> out = QueryPool.of(2).fetchAll(queries);
        assertThat(out).extracting(o -> o.result().getValue(0, NAME)).containsExactly("item 1", "item 2");
        assertThat(db.executions("static1")).as("executions: its run's, none by a probe").isEqualTo(1);
        assertThat(db.executions("static2")).isEqualTo(1);
        assertThat(backend.readAlls.get()).isZero();
    }

    @Test
    void aLoneCachedQueryIsNotLookedUpAhead() throws Exception {
        List<ResultQuery<Record1<String>>> queries = names("items", 1, 1);
        fill(queries);
        queries.add(nameOf(db.dsl, 2, "plain"));
        QueryPool.of(2).fetchAll(queries);
        assertThat(backend.readAlls.get()).isZero();
        assertThat(backend.calls.get()).as("its own one read").isEqualTo(1);
    }

    @Test
    void badArgumentsAreRefusedWithTheirReason() {
        assertThatThrownBy(() -> QueryPool.of(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> QueryPool.sizedFor(DSL.using(org.jooq.SQLDialect.POSTGRES)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("QueryPool.of(parallelism)");
    }
}
