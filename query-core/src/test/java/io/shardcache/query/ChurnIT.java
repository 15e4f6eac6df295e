package io.shardcache.query;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Churn: a key that writes outdate faster than it is read stops paying for the cache for a while, and every
 * read still answers what the database held when it ran; once the writes stop, hits come back. Runs on the
 * in-process backend and, from cache-redis, on Redis.
 */
@ExtendWith(ServicesExtension.class)
class ChurnIT {

    private Db db;
    private CacheBackendHolder holder;

    /** The backend and the caching DSL of one test. */
    private record CacheBackendHolder(io.shardcache.query.spi.CacheBackend backend, CachingDSL cached) {
    }

    @BeforeEach
    void setUp(TestSchema schema) throws Exception {
        db = new Db(schema, 4);
    }

    @AfterEach
    void tearDown() {
        if (holder != null) {
            holder.cached().close();
            holder.backend().close();
        }
        db.close();
    }

    private CachingDSL cached(TestSchema schema, boolean churnBypass) {
        io.shardcache.query.spi.CacheBackend backend = TestBackends.create(schema.name(), new TestClock());
        CachingDSL cached = CachingDSL.builder(db.dsl, Regions.builder()
            .region("items", r -> r.churnBypass(churnBypass)).build()).backend(backend).build();
        holder = new CacheBackendHolder(backend, cached);
        return cached;
    }

    /**
     * A writer renames item 7 every 15 ms through the caching DSL (numbering each name); a reader reads it every
     * 25 ms. Each read must return a name written no earlier than the last one committed before the read began.
     */
    @Test
    void aKeyOutdatedFasterThanItIsReadIsReadFromTheDatabaseUntilTheWritesStop(TestSchema schema) throws Exception {
        CachingDSL cached = cached(schema, true);
        AtomicInteger committed = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        List<Throwable> errors = new ArrayList<>();
        Thread writer = Thread.ofPlatform().start(() -> {
            for (int n = 1; !stop.get(); n++) {
                try {
                    cached.dsl().update(ITEMS).set(NAME, "v" + n).where(ID.eq(7)).execute();
                    committed.set(n);
                    Thread.sleep(15);
                } catch (Exception e) {
                    synchronized (errors) {
                        errors.add(e);
                    }
                    return;
                }
            }
        });
        int stale = 0;
        long until = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < until) {
            int before = committed.get();
            String name = read(cached);
            if (before > 0 && (!name.startsWith("v") || Integer.parseInt(name.substring(1)) < before))
                stale++;
            Thread.sleep(25);
        }
        stop.set(true);
        writer.join();
        RegionStats during = cached.stats("items");
        System.out.println("under churn: " + during);

        assertThat(errors).isEmpty();
        assertThat(stale).as("reads older than a write committed before they began").isZero();
        assertThat(during.outdatedEntries()).isPositive();
        assertThat(during.skippedChurn()).as("reads that skipped the cache while the key churned").isPositive();

        // The writes stopped: within the longest bypass (5 s) the cache is tried again, stores, and hits.
        String last = "v" + committed.get();
        long hitsBefore = during.hits();
        long deadline = System.nanoTime() + 8_000_000_000L;
        while (cached.stats("items").hits() < hitsBefore + 5 && System.nanoTime() < deadline) {
            assertThat(read(cached)).isEqualTo(last);
            Thread.sleep(20);
        }
        RegionStats after = cached.stats("items");
        assertThat(after.hits()).as("hits came back: %s", after).isGreaterThanOrEqualTo(hitsBefore + 5);
        long skipped = after.skippedChurn();
        for (int i = 0; i < 20; i++)
            assertThat(read(cached)).isEqualTo(last);
        assertThat(cached.stats("items").skippedChurn()).as("no more bypass once it is hit").isEqualTo(skipped);
    }

    @Test
    void aCostlyQueryKeepsItsCacheUnderChurnAndARegionMayTurnTheBypassOff(TestSchema schema) throws Exception {
        CachingDSL cached = cached(schema, true);
        for (int n = 1; n <= 8; n++) {
            cached.dsl().update(ITEMS).set(NAME, "v" + n).where(ID.eq(7)).execute();
            assertThat(cached.fromCache("items").select(NAME, DSL.field("pg_sleep(0.03)")).from(ITEMS).where(ID.eq(7))
                .fetchOne(NAME)).isEqualTo("v" + n);
        }
        assertThat(cached.stats("items").outdatedEntries()).isEqualTo(7);
        assertThat(cached.stats("items").skippedChurn()).as("a 30 ms query is not cheap").isZero();

        holder.cached().close();
        holder.backend().close();
        CachingDSL off = cached(schema, false);
        for (int n = 1; n <= 8; n++) {
            off.dsl().update(ITEMS).set(NAME, "w" + n).where(ID.eq(7)).execute();
            assertThat(read(off)).isEqualTo("w" + n);
        }
        assertThat(off.stats("items").outdatedEntries()).isEqualTo(7);
        assertThat(off.stats("items").skippedChurn()).isZero();
    }

    private static String read(CachingDSL cached) {
        DSLContext items = cached.fromCache("items");
        return items.select(NAME).from(ITEMS).where(ID.eq(7)).fetchOne(NAME);
    }
}
