package io.shardcache.query;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;
import static io.shardcache.query.Items.PRICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.math.BigDecimal;
import java.time.Duration;
import org.jooq.DSLContext;
import org.jooq.Record2;
import org.jooq.ResultQuery;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Explicit invalidation, statement pass-through, custom keys, and entry size limits. */
@ExtendWith(ServicesExtension.class)
class InvalidationIT {

    private Db db;
    private final TestClock clock = new TestClock();
    private CountingBackend backend;
    private CachingDSL cached;
    private DSLContext items;

    @BeforeEach
    void setUp(TestSchema schema) throws Exception {
        db = new Db(schema, 4);
        backend = new CountingBackend(TestBackends.create(schema.name(), clock));
        cached = CachingDSL.builder(db.dsl, Regions.builder()
                .region("items", r -> r.ttl(Duration.ofMinutes(10)).staleFor(Duration.ofMinutes(10)))
                .region("small", r -> r.maxEntryBytes(300))
                .region("packed", r -> r.compressAbove(0))
                .region("loose", r -> r.compressAbove(1 << 20))
                .region("nonEmpty", r -> r.cacheIf(result -> !result.isEmpty()))
                .build())
            .backend(backend).clock(clock).build();
        items = cached.fromCache("items");
    }

    @AfterEach
    void tearDown() {
        cached.close();
        backend.close();
        db.close();
    }

    private ResultQuery<Record2<String, Integer>> nameOf(DSLContext d, int id, String counter) {
        return d.select(NAME, Db.touch(counter)).from(ITEMS).where(ID.eq(id));
    }

    @Test
    void invalidateRegionDropsEveryEntry() throws Exception {
        nameOf(items, 1, "a").fetch();
        nameOf(items, 2, "b").fetch();
        cached.invalidate("items");
        nameOf(items, 1, "a").fetch();
        nameOf(items, 2, "b").fetch();
        nameOf(items, 1, "a").fetch();
        assertThat(db.executions("a")).isEqualTo(2);
        assertThat(db.executions("b")).isEqualTo(2);
    }

    @Test
    void invalidateOneQueryDropsOnlyItsEntry() throws Exception {
        nameOf(items, 1, "a").fetch();
        nameOf(items, 2, "b").fetch();
        db.execute("update items set name = 'new 1' where id = 1");
        assertThat(cached.invalidate("items", nameOf(db.dsl, 1, "a"))).isTrue();
        assertThat(cached.invalidate("items", nameOf(db.dsl, 1, "a"))).as("already gone").isFalse();
        assertThat(nameOf(items, 1, "a").fetchOne(NAME)).isEqualTo("new 1");
        nameOf(items, 2, "b").fetch();
        assertThat(db.executions("a")).isEqualTo(2);
        assertThat(db.executions("b")).isEqualTo(1);
    }

    @Test
    void softInvalidationServesStaleWhileOneCallerRefreshes() throws Exception {
        nameOf(items, 3, "s").fetch();
        db.execute("update items set name = 'new 3' where id = 3");
        assertThat(cached.invalidateSoft("items", nameOf(db.dsl, 3, "s"))).isTrue();
        // Not async: the one caller that takes the lock regenerates inline and sees the new row.
        assertThat(nameOf(items, 3, "s").fetchOne(NAME)).isEqualTo("new 3");
        assertThat(nameOf(items, 3, "s").fetchOne(NAME)).isEqualTo("new 3");
        assertThat(db.executions("s")).isEqualTo(2);

        db.execute("update items set name = 'newer 3' where id = 3");
        cached.invalidateSoft("items");
        assertThat(nameOf(items, 3, "s").fetchOne(NAME)).isEqualTo("newer 3");
        assertThat(db.executions("s")).isEqualTo(3);
    }

    @Test
    void staleEntriesExpireAtTheHardTtl() throws Exception {
        nameOf(items, 4, "h").fetch();
        clock.advance(Duration.ofMinutes(21));   // ttl 10m + staleFor 10m
        nameOf(items, 4, "h").fetch();
        assertThat(db.executions("h")).isEqualTo(2);
        assertThat(cached.stats("items").staleServed()).isZero();
    }

    @Test
    void customKeysNameEntriesAndNeverServeAnotherQuerysRows() throws Exception {
        DSLContext user42 = cached.fromCache("items", "item:5");
        assertThat(nameOf(user42, 5, "c").fetchOne(NAME)).isEqualTo("item 5");
        assertThat(nameOf(user42, 5, "c").fetchOne(NAME)).isEqualTo("item 5");
        assertThat(db.executions("c")).isEqualTo(1);

        // Another query under the same custom key: a fingerprint mismatch, so a miss - not item 5's row.
        assertThat(nameOf(user42, 6, "c").fetchOne(NAME)).isEqualTo("item 6");
        assertThat(cached.stats("items").rejectedEntries()).isEqualTo(1);

        assertThat(cached.invalidateCustomKey("items", "item:5")).isTrue();
        assertThat(nameOf(user42, 5, "c").fetchOne(NAME)).isEqualTo("item 5");
        assertThat(db.executions("c")).isEqualTo(3);
    }

    @Test
    void keyOfShowsTheKeyMaterial() {
        CacheKey key = cached.keyOf("items", db.dsl.selectFrom(ITEMS).where(ID.eq(17)));
        assertThat(key.region()).isEqualTo("items");
        assertThat(key.hash()).matches("[0-9a-f]{40}");
        assertThat(key.describe()).contains("sql=select").contains("\"items\"").contains("17");
        assertThat(cached.keyOf("items", db.dsl.selectFrom(ITEMS).where(ID.eq(17)))).isEqualTo(key);
        assertThat(cached.keyOf("items", db.dsl.selectFrom(ITEMS).where(ID.eq(18)))).isNotEqualTo(key);
        assertThatThrownBy(() -> cached.keyOf("items", db.dsl.insertInto(ITEMS).values(1000, "x", 1).returning()))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("not a cacheable read");
        assertThat(db.dsl.fetchExists(ITEMS, ID.eq(1000))).as("probing a write never runs it").isFalse();
    }

    @Test
    void writesThroughACachingDslPassStraightThrough() throws Exception {
        assertThat(items.insertInto(ITEMS, ID, NAME, PRICE).values(500, "five hundred", BigDecimal.TEN).execute()).isEqualTo(1);
        assertThat(items.insertInto(ITEMS, ID, NAME, PRICE).values(501, "x", BigDecimal.TEN).returning(ID).fetchOne(ID)).isEqualTo(501);
        assertThat(items.update(ITEMS).set(NAME, "y").where(ID.eq(501)).returning(NAME).fetchOne(NAME)).isEqualTo("y");
        assertThat(items.selectFrom(ITEMS).where(ID.eq(501)).forUpdate().fetchOne(NAME)).isEqualTo("y");
        assertThat(items.deleteFrom(ITEMS).where(ID.in(500, 501)).execute()).isEqualTo(2);
        assertThat(cached.stats("items").stored()).as("writes and locking reads are never cached").isZero();
        assertThat(db.dsl.fetchCount(ITEMS)).isEqualTo(100);
    }

    @Test
    void entriesAboveMaxEntryBytesAreNotStoredButCounted() throws Exception {
        DSLContext small = cached.fromCache("small");
        for (int i = 0; i < 2; i++)
            assertThat(small.select(ID, NAME, Db.touch("big")).from(ITEMS).fetch()).hasSize(100);
        assertThat(db.executions("big")).isEqualTo(2);
        assertThat(cached.stats("small").skippedTooLarge()).isEqualTo(2);
        for (int i = 0; i < 2; i++)
            small.select(ID, Db.touch("tiny")).from(ITEMS).where(ID.eq(1)).fetch();
        assertThat(db.executions("tiny")).isEqualTo(1);
    }

    @Test
    void resultsAboveTheThresholdAreStoredCompressed() {
        for (String region : new String[] {"packed", "loose"})
            for (int i = 0; i < 2; i++)
                assertThat(cached.fromCache(region).select(ID, org.jooq.impl.DSL.repeat(NAME, 20)).from(ITEMS).fetch()).hasSize(100);
        assertThat(backend.lastPutBytes.get("packed")).isLessThan(backend.lastPutBytes.get("loose") / 2);
        assertThat(cached.stats("packed").hits()).isEqualTo(1);
    }

    @Test
    void cacheIfDeclinesResults() throws Exception {
        DSLContext d = cached.fromCache("nonEmpty");
        for (int i = 0; i < 2; i++)
            d.select(NAME, Db.touch("none")).from(ITEMS).where(ID.eq(-1)).fetch();
        assertThat(db.executions("none")).isZero();   // no row, so touch() never ran; count regenerations instead
        assertThat(cached.stats("nonEmpty").regenerations()).isEqualTo(2);
        assertThat(cached.stats("nonEmpty").skippedDeclined()).isEqualTo(2);
    }
}
