package io.shardcache.query;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.jooq.impl.DSL.function;
import static org.jooq.impl.DSL.val;

import io.shardcache.testing.Eventually;
import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.time.Duration;
import org.jooq.DSLContext;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The near cache: hits without a backend call, kept correct by the backend's change notifications.
 * Two caching DSLs on one backend stand for two processes; on Redis their notifications really
 * travel over pub/sub, so what another process did is awaited (bounded), while what this process
 * did must show at once.
 */
@ExtendWith(ServicesExtension.class)
class NearCacheIT {

    private Db db;
    private CountingBackend backend;
    private CachingDSL a;
    private CachingDSL b;

    @BeforeEach
    void setUp(TestSchema schema) throws Exception {
        db = new Db(schema, 4);
        backend = new CountingBackend(TestBackends.create(schema.name(), new TestClock()));
        Regions regions = Regions.builder()
            .region("near", r -> r.nearCache(1_000, Duration.ofMinutes(1)))
            .region("plain")
            .build();
        a = CachingDSL.builder(db.dsl, regions).backend(backend).build();
        b = CachingDSL.builder(db.dsl, regions).backend(backend).build();
    }

    @AfterEach
    void tearDown() {
        a.close();
        b.close();
        backend.close();
        db.close();
    }

    private static String nameOf(DSLContext d, int id, String key) {
        return d.select(NAME, function("touch", SQLDataType.INTEGER, val(key))).from(ITEMS).where(ID.eq(id)).fetchOne(NAME);
    }

    /** Reads through {@code dsl} until one is a near hit: the notification connection may still be opening. */
    private static void untilNearHit(CachingDSL dsl, int id, String key) throws InterruptedException {
        long before = dsl.stats("near").nearHits();
        Eventually.await("a near hit", Duration.ofSeconds(10), () -> {
            nameOf(dsl.fromCache("near"), id, key);
            return dsl.stats("near").nearHits() > before;
        });
    }

    @Test
    void aNearHitCallsNoBackendAndRegionsWithoutOneStillDo() throws Exception {
        untilNearHit(b, 1, "n");
        int calls = backend.calls.get();
        for (int i = 0; i < 20; i++)
            assertThat(nameOf(b.fromCache("near"), 1, "n")).isEqualTo("item 1");
        assertThat(backend.calls.get()).as("backend calls for 20 near hits").isEqualTo(calls);
        assertThat(db.executions("n")).isEqualTo(1);

        nameOf(b.fromCache("plain"), 1, "p");
        calls = backend.calls.get();
        nameOf(b.fromCache("plain"), 1, "p");
        assertThat(backend.calls.get() - calls).as("a hit in a region without near cache").isEqualTo(1);
        assertThat(b.stats("plain").nearHits()).isZero();
    }

    @Test
    void aWriteByAnotherProcessEndsItsNearHitsOnceTheNotificationArrives() throws Exception {
        untilNearHit(b, 1, "n");
        a.dsl().update(ITEMS).set(NAME, "written by a").where(ID.eq(1)).execute();
        Eventually.await("new row on b", Duration.ofSeconds(10),
            () -> nameOf(b.fromCache("near"), 1, "n"), "written by a"::equals);
        assertThat(db.executions("n")).isEqualTo(2);
        untilNearHit(b, 1, "n");
        assertThat(nameOf(b.fromCache("near"), 1, "n")).isEqualTo("written by a");
    }

    @Test
    void aProcessSeesItsOwnWritesAtOnce() throws Exception {
        untilNearHit(b, 2, "own");
        b.dsl().update(ITEMS).set(NAME, "written by b").where(ID.eq(2)).execute();
        assertThat(nameOf(b.fromCache("near"), 2, "own")).as("no wait for b's own write").isEqualTo("written by b");
    }

    @Test
    void invalidationsByAnotherProcessReachTheNearCache() throws Exception {
        untilNearHit(b, 3, "inv");
        db.execute("update items set name = 'outside' where id = 3");
        a.invalidate("near", b.fromCache("near").select(NAME, function("touch", SQLDataType.INTEGER, val("inv")))
            .from(ITEMS).where(ID.eq(3)));
        Eventually.await("the deleted entry gone from b", Duration.ofSeconds(10),
            () -> nameOf(b.fromCache("near"), 3, "inv"), "outside"::equals);

        untilNearHit(b, 3, "inv");
        db.execute("update items set name = 'outside again' where id = 3");
        a.invalidate("near");
        Eventually.await("the region's new generation on b", Duration.ofSeconds(10),
            () -> nameOf(b.fromCache("near"), 3, "inv"), "outside again"::equals);

        untilNearHit(b, 3, "inv");
        db.execute("update items set name = 'outside, third' where id = 3");
        a.invalidateTables(ITEMS);
        Eventually.await("the table's new generation on b", Duration.ofSeconds(10),
            () -> nameOf(b.fromCache("near"), 3, "inv"), "outside, third"::equals);
    }
}
