package io.shardcache.query;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.function;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.table;
import static org.jooq.impl.DSL.val;

import io.shardcache.testing.Eventually;
import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Invalidation by table generations: writes through the caching DSL, in and out of transactions,
 * make every entry that reads a written table a miss in every process, and nothing else. Runs on
 * the in-process backend and, from cache-redis, on Redis. Database executions are counted with
 * {@code touch(key)} called as a model function (not plain SQL, which would hide the tables).
 */
@ExtendWith(ServicesExtension.class)
class TableInvalidationIT {

    private static final Table<Record> OTHER = table(name("other"));
    private static final Field<Integer> OTHER_ID = field(name("other", "id"), SQLDataType.INTEGER.notNull());
    private static final Field<String> OTHER_V = field(name("other", "v"), SQLDataType.CLOB);

    private Db db;
    private CountingBackend backend;
    private CachingDSL cached;
    private DSLContext items;

    @BeforeEach
    void setUp(TestSchema schema) throws Exception {
        db = new Db(schema, 4);
        db.execute("create table other (id int primary key, v text); insert into other values (1, 'one'), (2, 'two')");
        backend = new CountingBackend(TestBackends.create(schema.name(), new TestClock()));
        cached = CachingDSL.builder(db.dsl, Regions.builder().region("items").region("ttlOnly", r -> r.tableGenerations(false)).build())
            .backend(backend).build();
        items = cached.fromCache("items");
    }

    @AfterEach
    void tearDown() {
        cached.close();
        backend.close();
        db.close();
    }

    private static Field<Integer> counted(String key) {
        return function("touch", SQLDataType.INTEGER, val(key));
    }

    private static String nameOf(DSLContext d, int id, String key) {
        return d.select(NAME, counted(key)).from(ITEMS).where(ID.eq(id)).fetchOne(NAME);
    }

    private static String otherOf(DSLContext d, int id, String key) {
        return d.select(OTHER_V, counted(key)).from(OTHER).where(OTHER_ID.eq(id)).fetchOne(OTHER_V);
    }

    /** Bumps of {@code table}'s counter that reached the backend (Redis moves a counter with its clock, not by one). */
    private long generationOf(String table) {
        return backend.bumpsOf("table:|" + table);
    }

    @Test
    void aWriteThroughTheDslMakesEntriesOfThatTableAMissAndLeavesOtherTablesAlone() throws Exception {
        assertThat(nameOf(items, 1, "i")).isEqualTo("item 1");
        assertThat(otherOf(items, 1, "o")).isEqualTo("one");
        assertThat(nameOf(items, 1, "i")).isEqualTo("item 1");
        assertThat(db.executions("i")).isEqualTo(1);

        assertThat(cached.dsl().update(ITEMS).set(NAME, "renamed").where(ID.eq(1)).execute()).isEqualTo(1);

        assertThat(nameOf(items, 1, "i")).as("the next read sees the write").isEqualTo("renamed");
        assertThat(nameOf(items, 1, "i")).isEqualTo("renamed");
        assertThat(db.executions("i")).isEqualTo(2);
        assertThat(otherOf(items, 1, "o")).isEqualTo("one");
        assertThat(db.executions("o")).as("other's entry survived a write to items").isEqualTo(1);
        assertThat(cached.stats("items").outdatedEntries()).isEqualTo(1);
        assertThat(generationOf("items")).as("bumped before and after the auto-commit statement").isEqualTo(2);
        assertThat(generationOf("other")).isZero();
    }

    @Test
    void aRegionWithoutTableGenerationsIgnoresWritesUntilItsTtlOrAnExplicitInvalidation() throws Exception {
        DSLContext ttlOnly = cached.fromCache("ttlOnly");
        assertThat(nameOf(ttlOnly, 1, "t")).isEqualTo("item 1");
        cached.dsl().update(ITEMS).set(NAME, "renamed").where(ID.eq(1)).execute();
        assertThat(nameOf(ttlOnly, 1, "t")).as("by the region's choice").isEqualTo("item 1");
        cached.invalidate("ttlOnly");
        assertThat(nameOf(ttlOnly, 1, "t")).isEqualTo("renamed");
        assertThat(db.executions("t")).isEqualTo(2);
    }

    @Test
    void cachingDslsMadeBeforeAndAfterTheFirstQueryOfTheirConfigurationShareKeys() {
        DSLContext fresh = DSL.using(db.pool, SQLDialect.POSTGRES);
        try (CachingDSL before = CachingDSL.wrap(fresh, cached.regions(), backend)) {
            fresh.render(fresh.selectCount().from(table(name("public", "items"))));   // rendering a schema sets an empty render mapping on the shared settings
            try (CachingDSL after = CachingDSL.wrap(fresh, cached.regions(), backend)) {
                var q = fresh.select(NAME).from(ITEMS).where(ID.eq(1));
                assertThat(after.keyOf("items", q).describe()).isEqualTo(before.keyOf("items", q).describe());
                assertThat(after.keyOf("items", q)).isEqualTo(before.keyOf("items", q));
            }
        }
    }

    @Test
    void tablesReadInSubqueriesJoinsAndCtesAreDependenciesToo() throws Exception {
        DSLContext d = items;
        var inSubquery = d.select(NAME, counted("sub")).from(ITEMS).where(ID.in(select(OTHER_ID).from(OTHER).where(OTHER_V.eq("one"))));
        var joined = d.select(NAME, OTHER_V, counted("join")).from(ITEMS).join(OTHER).on(OTHER_ID.eq(ID)).where(ID.eq(2));
        var cte = name("o").fields("id").as(select(OTHER_ID).from(OTHER).where(OTHER_V.eq("two")));
        var withCte = d.with(cte).select(NAME, counted("cte")).from(ITEMS).where(ID.in(select(field(name("o", "id"), Integer.class)).from(cte)));
        assertThat(inSubquery.fetch(NAME)).containsExactly("item 1");
        assertThat(joined.fetch(NAME)).containsExactly("item 2");
        assertThat(withCte.fetch(NAME)).containsExactly("item 2");

        cached.dsl().update(OTHER).set(OTHER_V, "two").where(OTHER_ID.eq(1)).execute();

        assertThat(inSubquery.fetch(NAME)).isEmpty();
        assertThat(joined.fetch(NAME)).containsExactly("item 2");
        assertThat(withCte.fetch(NAME)).containsExactlyInAnyOrder("item 1", "item 2");
        // The changed results prove the subquery's and the CTE's entries were misses; the join's row
        // did not change, so its executions tell.
        assertThat(db.executions("join")).isEqualTo(2);
    }

    @Test
    void insertsDeletesBatchesAndWritesPassedThroughAFromCacheDslAllBump() throws Exception {
        nameOf(items, 1, "i");
        items.insertInto(ITEMS, ID, NAME).values(500, "new").execute();   // passes through the caching DSL
        assertThat(generationOf("items")).isEqualTo(2);
        cached.dsl().deleteFrom(ITEMS).where(ID.eq(500)).execute();
        assertThat(generationOf("items")).isEqualTo(4);
        cached.dsl().batch(
            cached.dsl().update(ITEMS).set(NAME, "b1").where(ID.eq(1)),
            cached.dsl().update(OTHER).set(OTHER_V, "b2").where(OTHER_ID.eq(1))).execute();
        assertThat(generationOf("items")).isEqualTo(6);
        assertThat(generationOf("other")).isEqualTo(2);
        assertThat(nameOf(items, 1, "i")).isEqualTo("b1");

        // A read run on the tracked DSL bumps nothing.
        cached.dsl().select(NAME).from(ITEMS).where(ID.eq(1)).fetch();
        cached.dsl().fetch("select name from items where id = 1");
        assertThat(generationOf("items")).isEqualTo(6);
        assertThat(generationOf("*")).isZero();
    }

    @Test
    void plainSqlWritesInvalidateTheWholeScopeUnlessTheyDeclareTheirTables() throws Exception {
        nameOf(items, 1, "i");
        otherOf(items, 1, "o");
        cached.dsl().execute("update other set v = 'x' where id = 2");
        nameOf(items, 1, "i");
        otherOf(items, 1, "o");
        assertThat(db.executions("i")).as("a write of unknown tables may have touched items").isEqualTo(2);
        assertThat(db.executions("o")).isEqualTo(2);

        cached.declaring(OTHER).dsl().execute("update other set v = 'y' where id = 2");
        nameOf(items, 1, "i");
        otherOf(items, 1, "o");
        assertThat(db.executions("i")).as("declared: only other moved").isEqualTo(2);
        assertThat(db.executions("o")).isEqualTo(3);
    }

    @Test
    void plainSqlReadsDependOnEveryWriteOfTheScopeUnlessTheyDeclareTheirTables() throws Exception {
        String sql = "select name, touch(?) from items where id = 1";
        DSLContext declared = cached.declaring(ITEMS).fromCache("items");
        assertThat(items.fetch(sql, "plain").getValue(0, 0)).isEqualTo("item 1");
        assertThat(declared.fetch(sql, "declared").getValue(0, 0)).isEqualTo("item 1");

        cached.dsl().update(OTHER).set(OTHER_V, "x").where(OTHER_ID.eq(1)).execute();
        items.fetch(sql, "plain");
        declared.fetch(sql, "declared");
        assertThat(db.executions("plain")).as("undeclared: any write may matter").isEqualTo(2);
        assertThat(db.executions("declared")).as("declared items: a write to other does not").isEqualTo(1);

        cached.dsl().update(ITEMS).set(NAME, "renamed").where(ID.eq(1)).execute();
        assertThat(declared.fetch(sql, "declared").getValue(0, 0)).isEqualTo("renamed");
        assertThat(db.executions("declared")).isEqualTo(2);
    }

    @Test
    void aTransactionBumpsOnceBeforeItsFirstWriteAndOnceAfterItCommits() throws Exception {
        assertThat(nameOf(items, 1, "i")).isEqualTo("item 1");
        cached.dsl().transaction(trx -> {
            trx.dsl().update(ITEMS).set(NAME, "t1").where(ID.eq(1)).execute();
            trx.dsl().update(ITEMS).set(NAME, "t2").where(ID.eq(1)).execute();
            assertThat(generationOf("items")).as("bumped once, before the first write").isEqualTo(1);
            // Another connection still sees the committed row, and may cache it: the commit's bump
            // makes that entry a miss.
            String seenOutside = CompletableFuture.supplyAsync(() -> nameOf(items, 1, "i")).get(30, TimeUnit.SECONDS);
            assertThat(seenOutside).isEqualTo("item 1");
            // Reads inside the transaction bypass the cache.
            assertThat(nameOf(cached.on(trx.dsl()).fromCache("items"), 1, "inside")).isEqualTo("t2");
        });
        assertThat(generationOf("items")).as("and once after the commit").isEqualTo(2);
        assertThat(nameOf(items, 1, "i")).isEqualTo("t2");
        assertThat(db.executions("i")).isEqualTo(3);
    }

    @Test
    void aRolledBackTransactionBumpsOnlyBeforeAndCachesNothing() throws Exception {
        assertThatThrownBy(() -> cached.dsl().transaction(trx -> {
            trx.dsl().update(ITEMS).set(NAME, "never").where(ID.eq(1)).execute();
            assertThat(nameOf(cached.on(trx.dsl()).fromCache("items"), 1, "inside")).isEqualTo("never");
            throw new IllegalStateException("roll back");
        })).hasMessageContaining("roll back");
        assertThat(generationOf("items")).as("the bump before the write; none for a commit that never came").isEqualTo(1);
        assertThat(cached.stats("items").stored()).as("nothing read inside was stored").isZero();
        assertThat(nameOf(items, 1, "i")).isEqualTo("item 1");
        assertThat(nameOf(items, 1, "i")).isEqualTo("item 1");
        assertThat(db.executions("i")).isEqualTo(1);
    }

    @Test
    void aWriteThatCommitsWhileARegenerationRunsKeepsItsRowsOutOfTheCache() throws Exception {
        long gate = 7_401;
        try (Connection holder = db.pool.getConnection(); Statement s = holder.createStatement()) {
            s.execute("select pg_advisory_lock(" + gate + ")");
            CompletableFuture<String> slow = CompletableFuture.supplyAsync(() ->
                items.select(NAME, function("touch_gated", SQLDataType.INTEGER, val("slow"), val(gate))).from(ITEMS)
                    .where(ID.eq(1)).fetchOne(NAME));
            db.awaitBlockedOn(gate, 1);
            cached.dsl().update(ITEMS).set(NAME, "written").where(ID.eq(1)).execute();
            s.execute("select pg_advisory_unlock(" + gate + ")");
            assertThat(slow.get(30, TimeUnit.SECONDS)).as("its snapshot predates the write").isEqualTo("item 1");
        }
        assertThat(cached.stats("items").skippedTableWritten()).isEqualTo(1);
        assertThat(cached.stats("items").stored()).isZero();
        assertThat(items.select(NAME, function("touch_gated", SQLDataType.INTEGER, val("slow"), val(gate))).from(ITEMS)
            .where(ID.eq(1)).fetchOne(NAME)).isEqualTo("written");
        assertThat(db.executions("slow")).isEqualTo(2);
    }

    @Test
    void writesMadeOutsideAreAnnouncedWithInvalidateTables() throws Exception {
        nameOf(items, 1, "i");
        db.execute("update items set name = 'outside' where id = 1");
        assertThat(nameOf(items, 1, "i")).as("a write shardcache never saw").isEqualTo("item 1");
        cached.invalidateTables(ITEMS);
        assertThat(nameOf(items, 1, "i")).isEqualTo("outside");
        assertThatThrownBy(() -> cached.invalidateTables()).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("at least one table");
    }

    @Test
    void aWriteOnOneScopeLeavesAnotherScopesEntriesAlone() throws Exception {
        CachingDSL shard1 = cached.on(scoped("shard 1"));
        CachingDSL shard2 = cached.on(scoped("shard 2"));
        nameOf(shard1.fromCache("items"), 1, "s1");
        nameOf(shard2.fromCache("items"), 1, "s2");
        long shard1Before = backend.generation("table:shard 1|items");
        long shard2Before = backend.generation("table:shard 2|items");
        shard1.dsl().update(ITEMS).set(NAME, "on shard 1").where(ID.eq(1)).execute();
        long bumped = backend.generation("table:shard 1|items");   // before and after the statement: two bumps
        assertThat(nameOf(shard1.fromCache("items"), 1, "s1")).isEqualTo("on shard 1");
        nameOf(shard2.fromCache("items"), 1, "s2");
        assertThat(db.executions("s1")).isEqualTo(2);
        assertThat(db.executions("s2")).as("shard 2's entry was not touched").isEqualTo(1);
        assertThat(bumped).as("bumped by the write").isGreaterThan(shard1Before);
        assertThat(backend.generation("table:shard 1|items")).isEqualTo(bumped);
        assertThat(backend.generation("table:shard 2|items")).isEqualTo(shard2Before);
    }

    private DSLContext scoped(String scope) {
        DSLContext d = DSL.using(db.dsl.configuration().derive());
        d.configuration().data(CachingDSL.SCOPE, scope);
        return d;
    }

    @Test
    void aBumpThatCouldNotReachTheBackendIsRetriedBeforeThisProcessReadsAgain() throws Exception {
        nameOf(items, 1, "i");
        backend.down.set(true);
        cached.dsl().update(ITEMS).set(NAME, "while down").where(ID.eq(1)).execute();
        assertThat(nameOf(items, 1, "i")).as("the database answers while the backend is down").isEqualTo("while down");
        backend.down.set(false);
        // Three failures opened the circuit: reads go to the database until it lets a call through,
        // and the first read that reaches the backend first lands the bump.
        Eventually.await("the retried bump", Duration.ofSeconds(10), () -> {
            assertThat(nameOf(items, 1, "i")).as("the entry from before the write is never served").isEqualTo("while down");
            return generationOf("items");
        }, generation -> generation != 0);
        assertThat(generationOf("items")).as("one retried bump, after the commit").isEqualTo(1);
        assertThat(nameOf(items, 1, "i")).isEqualTo("while down");
    }

    @Test
    void aWriteInAFrameworkTransactionBumpsThroughTheAfterCommitHook() throws Exception {
        List<Runnable> afterCommit = new ArrayList<>();
        try (Connection c = db.pool.getConnection()) {
            c.setAutoCommit(false);
            try (CachingDSL framework = CachingDSL.builder(DSL.using(c, SQLDialect.POSTGRES), cached.regions()).backend(backend)
                     .inTransaction(() -> true).afterCommit(afterCommit::add).build();
                 CachingDSL noHook = CachingDSL.builder(DSL.using(c, SQLDialect.POSTGRES), cached.regions()).backend(backend)
                     .inTransaction(() -> true).build()) {
                framework.dsl().update(ITEMS).set(NAME, "framework").where(ID.eq(1)).execute();
                assertThat(generationOf("items")).isEqualTo(1);
                assertThat(afterCommit).hasSize(1);
                assertThatThrownBy(() -> noHook.dsl().update(ITEMS).set(NAME, "x").where(ID.eq(2)).execute())
                    .isInstanceOf(DataAccessException.class).hasMessageContaining("afterCommit");
                c.commit();
                afterCommit.forEach(Runnable::run);
                assertThat(generationOf("items")).isEqualTo(2);
            }
        }
    }

    @Test
    void aWriteInATransactionStartedOutsideTheCachingDslFailsRatherThanGoUnseen() {
        assertThatThrownBy(() -> db.dsl.transaction(trx ->
            cached.on(trx.dsl()).dsl().update(ITEMS).set(NAME, "unseen").where(ID.eq(1)).execute()))
            .isInstanceOf(DataAccessException.class).hasMessageContaining("cached.dsl().transaction(...)");
    }

    @Test
    void aWriteWithAutoCommitOffOutsideAJooqTransactionFailsAndOneInsideWorks() throws Exception {
        try (Connection c = db.pool.getConnection()) {
            c.setAutoCommit(false);
            try (CachingDSL single = CachingDSL.builder(DSL.using(c, SQLDialect.POSTGRES), cached.regions()).backend(backend).build()) {
                // Its commit would be the user's c.commit(), which shardcache never sees.
                assertThatThrownBy(() -> single.dsl().update(ITEMS).set(NAME, "unseen").where(ID.eq(1)).execute())
                    .isInstanceOf(DataAccessException.class).hasMessageContaining("auto-commit off");
                c.rollback();
                assertThat(generationOf("items")).as("nothing bumped for a write that never ran").isZero();
                single.dsl().transaction(trx -> trx.dsl().update(ITEMS).set(NAME, "seen").where(ID.eq(1)).execute());
                assertThat(generationOf("items")).isEqualTo(2);
            }
        }
        assertThat(nameOf(items, 1, "i")).isEqualTo("seen");
    }

    @Test
    void readsOfOneStatementThatDependOnDifferentCountersNeverTakeEachOthersEntries() throws Exception {
        String sql = "select name, touch(?) from items where id = 1";
        DSLContext declared = cached.declaring(ITEMS).fromCache("items");
        for (int i = 0; i < 2; i++)
            cached.dsl().update(OTHER).set(OTHER_V, "w" + i).where(OTHER_ID.eq(2)).execute();
        // Undeclared, it depends on [*, +] = [0, 4] and stores its rows under those values.
        assertThat(items.fetch(sql, "k").getValue(0, 0)).isEqualTo("item 1");
        cached.dsl().update(ITEMS).set(NAME, "renamed").where(ID.eq(1)).execute();
        cached.dsl().update(ITEMS).set(NAME, "renamed").where(ID.eq(1)).execute();
        // Declared, the same statement depends on [*, items] = [0, 4]: equal values, other counters.
        assertThat(declared.fetch(sql, "k").getValue(0, 0)).isEqualTo("renamed");
        assertThat(db.executions("k")).isEqualTo(2);
    }
}
