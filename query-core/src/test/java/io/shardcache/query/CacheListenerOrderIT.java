package io.shardcache.query;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardcache.query.spi.CacheListener;
import io.shardcache.query.spi.LockWaitOutcome;
import io.shardcache.query.spi.SkipReason;
import io.shardcache.testing.Eventually;
import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The order in which one read fires {@link CacheListener}'s callbacks, as its Javadoc documents it: each
 * sequence below is the whole list of events one read causes on its own thread.
 */
@ExtendWith(ServicesExtension.class)
class CacheListenerOrderIT {

    private Db db;
    private final TestClock clock = new TestClock();
    private CountingBackend backend;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeEach
    void setUp(TestSchema schema) throws Exception {
        db = new Db(schema, 16);
        backend = new CountingBackend(TestBackends.create(schema.name(), clock));
    }

    @AfterEach
    void tearDown() {
        threads.shutdownNow();
        backend.close();
        db.close();
    }

    /** Every event, as {@code name} or {@code name:detail}, with the thread that fired it. */
    private static final class Recorder implements CacheListener {
        private final List<Map.Entry<Thread, String>> log = new CopyOnWriteArrayList<>();
        final CountDownLatch acquired = new CountDownLatch(1);
        final CountDownLatch missed = new CountDownLatch(1);

        private void add(String event) {
            log.add(Map.entry(Thread.currentThread(), event));
        }

        List<String> events() {
            return log.stream().map(Map.Entry::getValue).toList();
        }

        List<String> on(Thread thread) {
            return log.stream().filter(e -> e.getKey() == thread).map(Map.Entry::getValue).toList();
        }

        void clear() {
            log.clear();
        }

        @Override
        public void hit(CacheKey key) {
            add("hit");
        }

        @Override
        public void miss(CacheKey key) {
            add("miss");
            missed.countDown();
        }

        @Override
        public void staleServed(CacheKey key) {
            add("staleServed");
        }

        @Override
        public void regenerated(CacheKey key, Duration took) {
            add("regenerated");
        }

        @Override
        public void lockWaited(CacheKey key, Duration waited, LockWaitOutcome outcome) {
            add("lockWaited:" + (outcome == LockWaitOutcome.TIMED_OUT ? "TIMED_OUT" : "ENDED"));
            if (outcome == LockWaitOutcome.ACQUIRED)
                acquired.countDown();
        }

        @Override
        public void skipped(CacheKey key, SkipReason reason) {
            add("skipped:" + reason);
        }

        @Override
        public void error(CacheKey key, Throwable error) {
            add("error");
        }
    }

    private CachingDSL cached(Regions regions, CacheListener listener) {
        return CachingDSL.builder(db.dsl, regions).backend(backend).clock(clock).listener(listener).build();
    }

    @Test
    void aMissThisCallerFillsIsMissLockWaitedRegenerated_thenAHitIsHitAlone() {
        Recorder r = new Recorder();
        DSLContext items = cached(Regions.builder().region("items").build(), r).fromCache("items");

        items.select(ID, NAME).from(ITEMS).where(ID.eq(1)).fetch();
        assertThat(r.events()).containsExactly("miss", "lockWaited:ENDED", "regenerated");

        r.clear();
        items.select(ID, NAME).from(ITEMS).where(ID.eq(1)).fetch();
        assertThat(r.events()).containsExactly("hit");
    }

    @Test
    void aResultNotStoredFiresSkippedAfterRegenerated() {
        Recorder r = new Recorder();
        DSLContext items = cached(Regions.builder().region("items", s -> s.cacheIf(rows -> false)).build(), r)
            .fromCache("items");

        items.select(ID, NAME).from(ITEMS).where(ID.eq(2)).fetch();
        assertThat(r.events()).containsExactly("miss", "lockWaited:ENDED", "regenerated", "skipped:DECLINED");
    }

    @Test
    void aFailingQueryFiresErrorInPlaceOfRegenerated() {
        Recorder r = new Recorder();
        DSLContext items = cached(Regions.builder().region("items").build(), r).fromCache("items");

        assertThatThrownBy(() -> items.select(ID, Db.touchFail("order-fail")).from(ITEMS).where(ID.eq(1)).fetch())
            .isInstanceOf(DataAccessException.class);
        assertThat(r.events()).containsExactly("miss", "lockWaited:ENDED", "error");
    }

    @Test
    void aStaleEntryRefreshedByThisCallerFiresRegeneratedAlone_othersFireStaleServed() throws Exception {
        Recorder r = new Recorder();
        CachingDSL cached = cached(Regions.builder().region("items", s -> s.ttl(Duration.ofMinutes(1))
            .staleFor(Duration.ofHours(1))).build(), r);
        DSLContext items = cached.fromCache("items");
        long gate = 0x0de4L;
        items.select(ID, Db.touchGated("order-stale", gate)).from(ITEMS).where(ID.eq(3)).fetch();
        // The fill releases its lock in the background: a refresh that found it still held would rightly
        // serve the stale rows, as if another process were refreshing, and never reach the gate.
        backend.awaitLocksReleased();
        clock.advance(Duration.ofMinutes(2));
        r.clear();

        try (Connection holder = db.pool.getConnection(); Statement s = holder.createStatement()) {
            s.execute("select pg_advisory_lock(" + gate + ")");
            Future<Thread> refresher = threads.submit(() -> {
                items.select(ID, Db.touchGated("order-stale", gate)).from(ITEMS).where(ID.eq(3)).fetch();
                return Thread.currentThread();
            });
            db.awaitBlockedOn(gate, 1);
            Thread other = threads.submit(() -> {
                items.select(ID, Db.touchGated("order-stale", gate)).from(ITEMS).where(ID.eq(3)).fetch();
                return Thread.currentThread();
            }).get(10, TimeUnit.SECONDS);
            assertThat(r.on(other)).as("a caller served while another refreshes").containsExactly("staleServed");
            s.execute("select pg_advisory_unlock(" + gate + ")");
            assertThat(r.on(refresher.get(10, TimeUnit.SECONDS))).as("the caller that refreshed")
                .containsExactly("regenerated");
        }
    }

    @Test
    void aMissFilledByAnotherProcessIsMissLockWaitedHit_andACallerOfThisProcesssFlightIsMissAlone() throws Exception {
        Recorder leader = new Recorder(), elsewhere = new Recorder();
        Regions regions = Regions.builder().region("items").build();
        DSLContext a = cached(regions, leader).fromCache("items");
        DSLContext b = cached(regions, elsewhere).fromCache("items");   // another process: same backend, own engine
        long gate = 0x0de5L;

        try (Connection holder = db.pool.getConnection(); Statement s = holder.createStatement()) {
            s.execute("select pg_advisory_lock(" + gate + ")");
            Future<Thread> first = threads.submit(() -> {
                a.select(ID, Db.touchGated("order-fill", gate)).from(ITEMS).where(ID.eq(4)).fetch();
                return Thread.currentThread();
            });
            assertThat(leader.acquired.await(10, TimeUnit.SECONDS)).as("the first caller holds the lock").isTrue();
            Future<Thread> follower = threads.submit(() -> {
                a.select(ID, Db.touchGated("order-fill", gate)).from(ITEMS).where(ID.eq(4)).fetch();
                return Thread.currentThread();
            });
            Future<Thread> other = threads.submit(() -> {
                b.select(ID, Db.touchGated("order-fill", gate)).from(ITEMS).where(ID.eq(4)).fetch();
                return Thread.currentThread();
            });
            assertThat(elsewhere.missed.await(10, TimeUnit.SECONDS)).isTrue();
            Eventually.await("the first caller's miss and lockWaited, and the follower's miss", Duration.ofSeconds(10),
                leader::events, events -> events.size() >= 3);
            s.execute("select pg_advisory_unlock(" + gate + ")");

            assertThat(leader.on(first.get(10, TimeUnit.SECONDS))).containsExactly("miss", "lockWaited:ENDED", "regenerated");
            assertThat(leader.on(follower.get(10, TimeUnit.SECONDS))).as("joined this process's flight")
                .containsExactly("miss");
            assertThat(elsewhere.on(other.get(10, TimeUnit.SECONDS))).as("filled by the other process")
                .containsExactly("miss", "lockWaited:ENDED", "hit");
        }
        assertThat(db.executions("order-fill")).isEqualTo(1);
    }
}
