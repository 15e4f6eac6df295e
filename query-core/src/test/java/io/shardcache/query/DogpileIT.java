package io.shardcache.query;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardcache.query.spi.CacheListener;
import io.shardcache.query.spi.LockWaitOutcome;
import io.shardcache.testing.Eventually;
import io.shardcache.testing.Gate;
import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jooq.DSLContext;
import org.jooq.Record3;
import org.jooq.Result;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The dogpile engine end to end on PostgreSQL with the in-process backend. Executions are counted
 * by PostgreSQL itself (see {@link Db}); threads start on one gate.
 */
@ExtendWith(ServicesExtension.class)
class DogpileIT {

    private Db db;
    private final TestClock clock = new TestClock();
    private CountingBackend backend;

    @BeforeEach
    void setUp(TestSchema schema) throws Exception {
        db = new Db(schema, 16);
        backend = new CountingBackend(TestBackends.create(schema.name(), clock));
    }

    @AfterEach
    void tearDown() {
        backend.close();
        db.close();
    }

    private CachingDSL cached(Regions regions) {
        return CachingDSL.builder(db.dsl, regions).backend(backend).clock(clock).build();
    }

    private CachingDSL cached(Regions regions, CacheListener listener) {
        return CachingDSL.builder(db.dsl, regions).backend(backend).clock(clock).listener(listener).build();
    }


    @Test
    void sixtyFourThreadsOnOneColdKeyRunTheQueryOnce() throws Exception {
        CachingDSL cached = cached(Regions.builder().region("items").build());
        DSLContext items = cached.fromCache("items");

        List<Future<Result<Record3<Integer, String, Integer>>>> results = Gate.run(64, i ->
            items.select(ID, NAME, Db.touchSlow("cold", 0.3)).from(ITEMS).where(ID.eq(7)).fetch());

        assertThat(db.executions("cold")).as("PostgreSQL executions").isEqualTo(1);
        for (Future<Result<Record3<Integer, String, Integer>>> f : results) {
            Result<Record3<Integer, String, Integer>> r = f.get();
            assertThat(r).hasSize(1);
            assertThat(r.get(0).value1()).isEqualTo(7);
            assertThat(r.get(0).value2()).isEqualTo("item 7");
        }
        assertThat(backend.lockAttempts.get()).as("lock attempts: one thread per JVM takes part").isEqualTo(1);
        assertThat(backend.puts.get()).isEqualTo(1);
        RegionStats stats = cached.stats("items");
        assertThat(stats.regenerations()).isEqualTo(1);
        assertThat(stats.misses() + stats.hits()).isEqualTo(64);
    }

    /**
     * Four engines on one backend stand for four JVMs. Before fill announcements, the three waiting
     * leaders took the lock one after another just to re-read the entry.
     */
    @Test
    void waitingJvmsReadTheFilledEntryWithoutTakingTheLockInTurn() throws Exception {
        Regions regions = Regions.builder().region("items").build();
        List<CachingDSL> jvms = new ArrayList<>();
        List<LockWaitOutcome> outcomes = java.util.Collections.synchronizedList(new ArrayList<>());
        CacheListener listener = new CacheListener() {
            @Override
            public void lockWaited(CacheKey key, Duration waited, LockWaitOutcome outcome) {
                outcomes.add(outcome);
            }
        };
        for (int i = 0; i < 4; i++)
            jvms.add(cached(regions, listener));

        List<Future<Result<Record3<Integer, String, Integer>>>> results = Gate.run(4 * 8, i ->
            jvms.get(i % 4).fromCache("items").select(ID, NAME, Db.touchSlow("filled", 0.3)).from(ITEMS).where(ID.eq(3)).fetch());

        for (Future<Result<Record3<Integer, String, Integer>>> f : results)
            assertThat(f.get().get(0).value2()).isEqualTo("item 3");
        assertThat(db.executions("filled")).as("PostgreSQL executions").isEqualTo(1);
        assertThat(backend.lockAttempts.get()).as("lock waits: one per engine").isEqualTo(4);
        assertThat(backend.waitsHeld.get()).as("waits that ended holding the lock").isEqualTo(1);
        assertThat(backend.waitsFilled.get()).as("waits ended by the fill announcement").isEqualTo(3);
        assertThat(outcomes).containsExactlyInAnyOrder(LockWaitOutcome.ACQUIRED, LockWaitOutcome.FILLED,
            LockWaitOutcome.FILLED, LockWaitOutcome.FILLED);
        assertThat(jvms.stream().mapToLong(c -> c.stats("items").lockTimeouts()).sum()).isZero();
    }

    @Test
    void staleEntryWithAsyncRefreshRegeneratesOnceWhileCallersGetTheStaleRowsAtOnce() throws Exception {
        CountDownLatch refreshed = new CountDownLatch(1);
        CachingDSL cached = cached(Regions.builder()
                .region("reports", r -> r.ttl(Duration.ofMinutes(1)).staleFor(Duration.ofHours(1)).asyncRefresh(true))
                .build(),
            new CacheListener() {
                @Override
                public void regenerated(CacheKey key, Duration took) {
                    refreshed.countDown();
                }
            });
        DSLContext reports = cached.fromCache("reports");
        long gate = 0x5ca1ab1eL;
        Function<Integer, String> read = i ->
            reports.select(NAME, Db.touchGated("stale", gate)).from(ITEMS).where(ID.eq(3)).fetchOne(NAME);

        assertThat(read.apply(0)).isEqualTo("item 3");
        assertThat(db.executions("stale")).isEqualTo(1);

        db.execute("update items set name = 'renamed' where id = 3");
        clock.advance(Duration.ofMinutes(2));   // past the soft TTL, well within the stale window

        try (Connection holder = db.pool.getConnection(); Statement s = holder.createStatement()) {
            s.execute("select pg_advisory_lock(" + gate + ")");   // the refresh will block inside PostgreSQL
            List<Future<String>> stale = Gate.run(16, read::apply);
            for (Future<String> f : stale)
                assertThat(f.get()).as("served stale while the refresh is blocked").isEqualTo("item 3");
            assertThat(db.executions("stale")).as("refresh has not finished").isEqualTo(1);
            assertThat(cached.stats("reports").staleServed()).isEqualTo(16);
            s.execute("select pg_advisory_unlock(" + gate + ")");
        }
        assertThat(refreshed.await(30, TimeUnit.SECONDS)).isTrue();
        awaitStored(cached, "reports", 2);

        assertThat(db.executions("stale")).as("exactly one refresh").isEqualTo(2);
        assertThat(read.apply(0)).isEqualTo("renamed");
        assertThat(db.executions("stale")).isEqualTo(2);
    }

    /**
     * Two engines stand for two JVMs. The one that loses the refresh lock waits in the background for
     * the other's fill, keeping its flight: before, it gave up after 100 ms and its next stale reads
     * asked for the lock again.
     */
    @Test
    void aJvmThatLosesTheRefreshLockAsksForItOnceAndIsDoneWhenTheOtherFills() throws Exception {
        Regions regions = Regions.builder()
            .region("reports", r -> r.ttl(Duration.ofMinutes(1)).staleFor(Duration.ofHours(1)).asyncRefresh(true))
            .build();
        CachingDSL a = cached(regions);
        CachingDSL b = cached(regions);
        long gate = 0x5ca1ab1fL;
        Function<CachingDSL, String> read = c ->
            c.fromCache("reports").select(NAME, Db.touchGated("loser", gate)).from(ITEMS).where(ID.eq(4)).fetchOne(NAME);
        assertThat(read.apply(a)).isEqualTo("item 4");
        // The fill releases its lock in the background, announcing the fill: a refresh that asked
        // before that would hear it and, rightly, leave the refresh to "the other JVM".
        backend.awaitLocksReleased();
        db.execute("update items set name = 'renamed' where id = 4");
        clock.advance(Duration.ofMinutes(2));
        int attemptsBefore = backend.lockAttempts.get();

        try (Connection holder = db.pool.getConnection(); Statement s = holder.createStatement()) {
            s.execute("select pg_advisory_lock(" + gate + ")");   // a's refresh blocks inside PostgreSQL
            int heldBefore = backend.waitsHeld.get();
            assertThat(read.apply(a)).isEqualTo("item 4");
            // a holds the lock (asking is not enough: b could win)
            Eventually.await("a's refresh holding the lock (waits that ended holding it)", Duration.ofSeconds(10),
                backend.waitsHeld::get, held -> held >= heldBefore + 1);
            for (int i = 0; i < 20; i++)
                assertThat(read.apply(b)).as("b is served stale").isEqualTo("item 4");
            Eventually.await("b's refresh asking for the lock too (lock attempts)", Duration.ofSeconds(10),
                backend.lockAttempts::get, attempts -> attempts >= attemptsBefore + 2);
            // A sleep on purpose: the test is that b asks no more while real time passes, longer than the
            // 100 ms after which a refused refresh used to ask again (a timer no test clock moves).
            Thread.sleep(300);
            for (int i = 0; i < 20; i++)
                assertThat(read.apply(b)).isEqualTo("item 4");
            assertThat(backend.lockAttempts.get() - attemptsBefore).as("lock requests: one per JVM").isEqualTo(2);
            s.execute("select pg_advisory_unlock(" + gate + ")");
        }
        awaitStored(a, "reports", 2);
        Eventually.await("b reads a's refresh", Duration.ofSeconds(10), () -> read.apply(b), "renamed"::equals);
        assertThat(db.executions("loser")).as("the first fill and exactly one refresh").isEqualTo(2);
        assertThat(backend.lockAttempts.get() - attemptsBefore).isEqualTo(2);
    }

    @Test
    void loaderExceptionIsNotCachedAndTheNextCallRunsAgain() throws Exception {
        CachingDSL cached = cached(Regions.builder().region("items").build());
        DSLContext items = cached.fromCache("items");

        for (int attempt = 1; attempt <= 2; attempt++) {
            assertThatThrownBy(() -> items.select(ID, Db.touchFail("fail")).from(ITEMS).where(ID.eq(1)).fetch())
                .isInstanceOf(DataAccessException.class)
                .hasMessageContaining("loader failure for fail");
            assertThat(db.executions("fail")).isZero();   // the failing function's write rolled back with it
        }
        assertThat(backend.puts.get()).isZero();
        assertThat(cached.stats("items").loadFailures()).isEqualTo(2);
        assertThat(cached.stats("items").regenerations()).isZero();
    }

    @Test
    void loaderExceptionReachesEveryCallerOfTheFlight() throws Exception {
        CachingDSL cached = cached(Regions.builder().region("items").build());
        DSLContext items = cached.fromCache("items");
        long gate = 0xfa11L;
        db.execute("create table fail_switch (on_ boolean); insert into fail_switch values (true)");

        List<Future<Object>> outcomes;
        try (Connection holder = db.pool.getConnection(); Statement s = holder.createStatement()) {
            s.execute("select pg_advisory_lock(" + gate + ")");
            try (ExecutorService background = Executors.newVirtualThreadPerTaskExecutor()) {
                Future<?> releaser = background.submit(() -> {
                    try {
                        // The leader is held at the gate; the others must have joined its flight, not just counted their miss.
                        Eventually.await("7 callers waiting on the leader's flight", Duration.ofSeconds(30),
                            () -> waitingOnAFlight(Thread.getAllStackTraces().keySet()) >= 7, () -> cached.stats("items"));
                    } finally {
                        s.execute("select pg_advisory_unlock(" + gate + ")");
                    }
                    return null;
                });
                outcomes = Gate.run(8, i -> {
                    try {
                        return items.select(ID, Db.touchGated("g", gate), org.jooq.impl.DSL.field(
                                "case when (select on_ from fail_switch) then 1 / (select count(*)::int - 100 from items) else 1 end", Integer.class))
                            .from(ITEMS).where(ID.eq(2)).fetch();
                    } catch (DataAccessException e) {
                        return e;
                    }
                });
                releaser.get();
            }
        }
        for (Future<Object> f : outcomes)
            assertThat(f.get()).isInstanceOf(DataAccessException.class);
        assertThat(cached.stats("items").loadFailures()).as("one failed flight").isEqualTo(1);
        assertThat(backend.puts.get()).isZero();

        db.execute("update fail_switch set on_ = false");
        assertThat(items.select(ID, Db.touch("g2")).from(ITEMS).where(ID.eq(2)).fetch()).hasSize(1);
        assertThat(backend.puts.get()).isEqualTo(1);
    }

    @Test
    void backendOutageFallsBackToTheDatabaseWithoutErrors() throws Exception {
        List<String> circuit = new java.util.concurrent.CopyOnWriteArrayList<>();
        CachingDSL cached = cached(Regions.builder().region("items").build(), new CacheListener() {
            @Override
            public void circuitOpened(String b, Duration openFor, Throwable cause) {
                circuit.add("opened for " + openFor.toMillis() + " ms: " + cause.getMessage());
            }

            @Override
            public void circuitClosed(String b, Duration openFor) {
                circuit.add("closed");
            }
        });
        DSLContext items = cached.fromCache("items");
        Function<Integer, String> read = i -> items.select(NAME, Db.touch("down")).from(ITEMS).where(ID.eq(5)).fetchOne(NAME);
        backend.down.set(true);

        for (int i = 0; i < 10; i++)
            assertThat(read.apply(i)).isEqualTo("item 5");
        assertThat(db.executions("down")).isEqualTo(10);
        assertThat(cached.stats("items").backendErrors()).isEqualTo(10);
        assertThat(backend.calls.get()).as("after 3 failures in a row the circuit opened: no read called the backend again")
            .isEqualTo(CachingDSL.DEFAULT_CIRCUIT_BREAKER_FAILURES);
        assertThat(circuit).containsExactly("opened for 1000 ms: test backend is down");

        backend.down.set(false);
        assertThat(read.apply(0)).isEqualTo("item 5");
        assertThat(backend.calls.get()).as("still open: the backend is not called").isEqualTo(3);
        assertThat(db.executions("down")).isEqualTo(11);

        clock.advance(CachingDSL.DEFAULT_CIRCUIT_BREAKER_OPEN_FOR);
        read.apply(0);   // the probe succeeds and closes the circuit; this read fills the entry
        read.apply(0);
        assertThat(db.executions("down")).as("cached again once the backend is back").isEqualTo(12);
        assertThat(circuit).hasSize(2).endsWith("closed");
    }

    /**
     * With the backend down, another JVM's write cannot be seen in any generation: callers who arrive
     * while a query runs must not get its rows (read before they arrived, perhaps before a write they
     * know of committed). They share the next query instead: two queries for any number of callers.
     */
    @Test
    void whileTheBackendIsDownNoCallerGetsRowsReadBeforeItArrived() throws Exception {
        CachingDSL cached = cached(Regions.builder().region("items").build());
        DSLContext items = cached.fromCache("items");
        backend.down.set(true);
        long gate = java.util.concurrent.ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        Callable<String> read = () -> items.select(NAME, Db.touchGated("arrived", gate)).from(ITEMS).where(ID.eq(9)).fetchOne(NAME);
        List<Thread> callerThreads = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.ThreadFactory virtual = Thread.ofVirtual().factory();
        try (var callers = Executors.newThreadPerTaskExecutor(r -> {
                 Thread t = virtual.newThread(r);
                 callerThreads.add(t);
                 return t;
             });
             var gateHolder = db.pool.getConnection(); var s = gateHolder.createStatement()) {
            s.execute("select pg_advisory_lock(" + gate + ")");
            Future<String> first = callers.submit(read);
            db.awaitBlockedOn(gate, 1);
            db.dsl.update(ITEMS).set(NAME, "renamed").where(ID.eq(9)).execute();   // another JVM's write, committed
            List<Future<String>> later = List.of(callers.submit(read), callers.submit(read));
            Eventually.await("both later callers waiting on the first one's flight", Duration.ofSeconds(10),
                () -> waitingOnAFlight(callerThreads) == 2);
            s.execute("select pg_advisory_unlock(" + gate + ")");
            assertThat(first.get(10, TimeUnit.SECONDS)).as("the first caller began before the write").isEqualTo("item 9");
            for (Future<String> f : later)
                assertThat(f.get(10, TimeUnit.SECONDS)).as("a caller that began after the write committed").isEqualTo("renamed");
        }
        // The later callers share the second query when the one that did not lead it comes back while it
        // still runs; on a busy machine it may come back after it ended, and run a third (see Flights.join).
        assertThat(db.executions("arrived")).as("the first query, then at most one per caller who arrived during it")
            .isBetween(2, 3);
    }

    /**
     * How many of {@code threads} wait for the outcome of a flight of this JVM ({@code Flights.await}).
     * The engine tells no listener when a caller joins a flight (only its miss, which comes just before),
     * so a test that must know every caller joined before the leader finishes looks at their stacks.
     */
    private static long waitingOnAFlight(java.util.Collection<Thread> threads) {
        return threads.stream()
            .filter(t -> java.util.Arrays.stream(t.getStackTrace())
                .anyMatch(f -> f.getClassName().equals("io.shardcache.query.internal.Flights") && f.getMethodName().equals("await")))
            .count();
    }

    @Test
    void aFailedProbeKeepsTheCircuitOpen() throws Exception {
        CachingDSL cached = cached(Regions.builder().region("items").build());
        DSLContext items = cached.fromCache("items");
        backend.down.set(true);
        for (int i = 0; i < 5; i++)
            items.select(NAME).from(ITEMS).where(ID.eq(6)).fetchOne(NAME);
        assertThat(backend.calls.get()).isEqualTo(3);
        clock.advance(CachingDSL.DEFAULT_CIRCUIT_BREAKER_OPEN_FOR);
        for (int i = 0; i < 5; i++)
            assertThat(items.select(NAME).from(ITEMS).where(ID.eq(6)).fetchOne(NAME)).isEqualTo("item 6");
        assertThat(backend.calls.get()).as("one probe, which failed and reopened the circuit").isEqualTo(4);
    }

    @Test
    void aFailedRefreshServesTheStaleRowsUnlessTheRegionSaysFail() throws Exception {
        db.execute("create table refresh_fails (yes boolean not null); insert into refresh_fails values (false)");
        org.jooq.Field<Integer> query = org.jooq.impl.DSL.field(
            "(select case when (select yes from refresh_fails) then touch_fail('sie') else touch('sie') end)", Integer.class);
        CachingDSL cached = cached(Regions.builder()
            .region("lenient", r -> r.ttl(Duration.ofMinutes(1)).staleFor(Duration.ofHours(1)))
            .region("strict", r -> r.ttl(Duration.ofMinutes(1)).staleFor(Duration.ofHours(1)).onRefreshFailure(OnRefreshFailure.FAIL))
            .build());
        DSLContext lenient = cached.fromCache("lenient");
        DSLContext strict = cached.fromCache("strict");
        assertThat(lenient.select(NAME, query).from(ITEMS).where(ID.eq(7)).fetchOne(NAME)).isEqualTo("item 7");
        assertThat(strict.select(NAME, query).from(ITEMS).where(ID.eq(7)).fetchOne(NAME)).isEqualTo("item 7");
        db.execute("update refresh_fails set yes = true");
        clock.advance(Duration.ofMinutes(2));
        // The fills release their locks in the background; a refresh that found one still held would
        // rightly serve the stale rows, as if another JVM were refreshing.
        backend.awaitLocksReleased();

        assertThat(lenient.select(NAME, query).from(ITEMS).where(ID.eq(7)).fetchOne(NAME)).as("stale-if-error").isEqualTo("item 7");
        assertThat(cached.stats("lenient").loadFailures()).isEqualTo(1);
        assertThat(cached.stats("lenient").staleServed()).isEqualTo(1);
        assertThatThrownBy(() -> strict.select(NAME, query).from(ITEMS).where(ID.eq(7)).fetchOne(NAME))
            .isInstanceOf(DataAccessException.class).hasMessageContaining("loader failure for sie");

        db.execute("update refresh_fails set yes = false");
        assertThat(lenient.select(NAME, query).from(ITEMS).where(ID.eq(7)).fetchOne(NAME)).as("refreshed this time").isEqualTo("item 7");
        assertThat(lenient.select(NAME, query).from(ITEMS).where(ID.eq(7)).fetchOne(NAME)).isEqualTo("item 7");
        assertThat(cached.stats("lenient").hits()).as("the refresh stored a fresh entry").isEqualTo(1);
        assertThat(db.executions("sie")).as("two fills and one refresh succeeded").isEqualTo(3);
    }

    @Test
    void aHitIsOneBackendCallAndAnInvalidationIsSeenAtOnce() throws Exception {
        CachingDSL cached = cached(Regions.builder().region("items").build());
        CachingDSL other = cached(Regions.builder().region("items").build());   // another engine on the same backend
        Function<CachingDSL, String> read = c -> c.fromCache("items").select(NAME, Db.touch("one")).from(ITEMS).where(ID.eq(8)).fetchOne(NAME);
        read.apply(cached);
        int before = backend.calls.get();
        assertThat(read.apply(cached)).isEqualTo("item 8");
        assertThat(backend.calls.get() - before).as("counters and entry in one read()").isEqualTo(1);

        other.invalidate("items");
        before = backend.calls.get();
        read.apply(cached);
        assertThat(db.executions("one")).as("the other engine's invalidation is seen by the next read").isEqualTo(2);
        read.apply(cached);
        assertThat(db.executions("one")).isEqualTo(2);
        assertThat(backend.calls.get() - before).as("read, get of the new generation, lock, re-read, put; then one read")
            .isEqualTo(6);
    }

    @Test
    void backendOutageFailsWhenTheRegionSaysSo() {
        CachingDSL cached = cached(Regions.builder().region("strict", r -> r.onBackendFailure(OnBackendFailure.FAIL)).build());
        backend.down.set(true);
        assertThatThrownBy(() -> cached.fromCache("strict").selectFrom(ITEMS).where(ID.eq(1)).fetch())
            .isInstanceOf(CacheBackendException.class)
            .hasMessageContaining("strict")
            .hasMessageContaining("onBackendFailure=FAIL");
    }

    @Test
    void lockTimeoutFailsOrQueriesTheDatabaseAsConfigured() throws Exception {
        Regions regions = Regions.builder()
            .region("patient", r -> r.lockWait(Duration.ofMillis(50)))
            .region("strict", r -> r.lockWait(Duration.ofMillis(50)).onLockTimeout(OnLockTimeout.FAIL))
            .build();
        CachingDSL cached = cached(regions);
        // Another process holds the regeneration lock of these keys.
        CacheKey patientKey = cached.keyOf("patient", db.dsl.select(NAME, Db.touch("lt")).from(ITEMS).where(ID.eq(9)));
        CacheKey strictKey = cached.keyOf("strict", db.dsl.select(NAME, Db.touch("lt")).from(ITEMS).where(ID.eq(9)));
        backend.delegate.locks().tryAcquire("patient:" + backend.delegate.generation("region:patient") + ":" + patientKey.hash() + ":lock", Duration.ofMinutes(1)).orElseThrow();
        backend.delegate.locks().tryAcquire("strict:" + backend.delegate.generation("region:strict") + ":" + strictKey.hash() + ":lock", Duration.ofMinutes(1)).orElseThrow();

        assertThat(cached.fromCache("patient").select(NAME, Db.touch("lt")).from(ITEMS).where(ID.eq(9)).fetchOne(NAME))
            .isEqualTo("item 9");
        assertThat(db.executions("lt")).isEqualTo(1);
        assertThat(cached.stats("patient").lockTimeouts()).isEqualTo(1);

        assertThatThrownBy(() -> cached.fromCache("strict").select(NAME, Db.touch("lt")).from(ITEMS).where(ID.eq(9)).fetch())
            .isInstanceOf(LockTimeoutException.class)
            .hasMessageContaining("region 'strict'")
            .hasMessageContaining("lockWait=50ms");
        assertThat(db.executions("lt")).isEqualTo(1);
    }

    @Test
    void earlyRefreshRegeneratesAFreshEntryNearItsExpiry() throws Exception {
        // nextLong() = -1 makes nextDouble() just below 1, so -log(1 - u) is about 37: a sure pick.
        CachingDSL cached = CachingDSL.builder(db.dsl, Regions.builder()
                .region("xfetch", r -> r.ttl(Duration.ofMinutes(10)).earlyRefresh(100))
                .region("plain", r -> r.ttl(Duration.ofMinutes(10)))
                .build())
            .backend(backend).clock(clock).random(() -> -1L).build();
        for (String region : List.of("xfetch", "plain")) {
            DSLContext d = cached.fromCache(region);
            d.select(NAME, Db.touchSlow(region, 0.05)).from(ITEMS).where(ID.eq(4)).fetch();
            d.select(NAME, Db.touchSlow(region, 0.05)).from(ITEMS).where(ID.eq(4)).fetch();
            assertThat(db.executions(region)).as("fresh and far from expiry: served").isEqualTo(1);
        }
        clock.advance(Duration.ofMinutes(10).minusSeconds(1));   // 1s left; delta 50ms x beta 100 x ~37 >> 1s
        for (String region : List.of("xfetch", "plain"))
            cached.fromCache(region).select(NAME, Db.touchSlow(region, 0.05)).from(ITEMS).where(ID.eq(4)).fetch();

        assertThat(db.executions("xfetch")).as("refreshed early").isEqualTo(2);
        assertThat(db.executions("plain")).as("no early refresh without beta").isEqualTo(1);
    }

    private static void awaitStored(CachingDSL cached, String region, long stored) throws Exception {
        Eventually.await(stored + " entries stored in " + region, Duration.ofSeconds(30), () -> cached.stats(region).stored(),
            n -> n >= stored);
        assertThat(cached.stats(region).stored()).isEqualTo(stored);
    }

    @Test
    void concurrentCallersOfOneCustomKeyNeverGetEachOthersRows() throws Exception {
        CachingDSL cached = cached(Regions.builder().region("items").build());
        DSLContext shared = cached.fromCache("items", "one-key-for-two-queries");
        List<Future<String>> names = Gate.run(16, i -> {
            int id = i % 2 == 0 ? 5 : 6;
            return shared.select(NAME, Db.touchSlow("ck" + id, 0.3)).from(ITEMS).where(ID.eq(id)).fetchOne(NAME);
        });
        for (int i = 0; i < names.size(); i++)
            assertThat(names.get(i).get()).as("caller %d", i).isEqualTo(i % 2 == 0 ? "item 5" : "item 6");
    }

    @Test
    void aLockServiceThatThrowsNeverStrandsLaterCallers() throws Exception {
        CachingDSL cached = cached(Regions.builder().region("r", r -> r.ttl(Duration.ofMinutes(1)).staleFor(Duration.ofMinutes(1))).build());
        DSLContext d = cached.fromCache("r");
        Function<Integer, String> read = i -> d.select(NAME, Db.touch("broken")).from(ITEMS).where(ID.eq(8)).fetchOne(NAME);
        assertThat(read.apply(0)).isEqualTo("item 8");
        clock.advance(Duration.ofSeconds(90));   // stale
        backend.locksBroken.set(true);
        assertThatThrownBy(() -> read.apply(0)).isInstanceOf(IllegalStateException.class).hasMessage("lock client is shut down");
        backend.locksBroken.set(false);
        clock.advance(Duration.ofMinutes(1));    // past the hard TTL: a miss, which must not wait on a dead flight
        ExecutorService one = Executors.newSingleThreadExecutor();
        try {
            assertThat(one.submit(() -> read.apply(0)).get(30, TimeUnit.SECONDS)).isEqualTo("item 8");
        } finally {
            one.shutdownNow();
        }
        assertThat(db.executions("broken")).isEqualTo(2);
    }

    @Test
    void rowsReadOutsideAutoCommitAreNotHandedToOtherCallers() throws Exception {
        try (var manual = db.newPool(false, 4)) {
            CachingDSL cached = CachingDSL.builder(org.jooq.impl.DSL.using(manual, org.jooq.SQLDialect.POSTGRES),
                Regions.builder().region("items").build()).backend(backend).clock(clock).build();
            DSLContext d = cached.fromCache("items");
            List<Future<String>> names = Gate.run(4, i -> d.select(NAME, Db.touchSlow("manual", 0.3)).from(ITEMS).where(ID.eq(3)).fetchOne(NAME));
            for (Future<String> f : names)
                assertThat(f.get()).isEqualTo("item 3");
            assertThat(cached.stats("items").regenerations()).as("every caller ran its own query").isEqualTo(4);
            assertThat(cached.stats("items").stored()).isZero();
        }
    }

    @Test
    void everyCallerOfAFailedFlightGetsTheSameExceptionType() throws Exception {
        CachingDSL cached = cached(Regions.builder()
            .region("strict", r -> r.lockWait(Duration.ofMillis(300)).onLockTimeout(OnLockTimeout.FAIL)).build());
        CacheKey key = cached.keyOf("strict", db.dsl.select(NAME).from(ITEMS).where(ID.eq(10)));
        backend.delegate.locks().tryAcquire("strict:" + backend.delegate.generation("region:strict") + ":" + key.hash() + ":lock", Duration.ofMinutes(1)).orElseThrow();
        List<Future<Object>> outcomes = Gate.run(4, i -> {
            try {
                return cached.fromCache("strict").select(NAME).from(ITEMS).where(ID.eq(10)).fetchOne(NAME);
            } catch (RuntimeException e) {
                return e;
            }
        });
        for (Future<Object> f : outcomes)
            assertThat(f.get()).isInstanceOf(LockTimeoutException.class);
    }

    @Test
    void aHitTakesNoPooledConnectionEvenWithAFetchSize() throws Exception {
        var pool = db.newPool(true, 2);
        DSLContext withFetchSize = org.jooq.impl.DSL.using(pool, org.jooq.SQLDialect.POSTGRES,
            new org.jooq.conf.Settings().withFetchSize(100));
        CachingDSL cached = CachingDSL.builder(withFetchSize, Regions.builder().region("items").build())
            .backend(backend).clock(clock).build();
        assertThat(cached.fromCache("items").select(NAME).from(ITEMS).where(ID.eq(11)).fetchOne(NAME)).isEqualTo("item 11");
        pool.close();   // the database is now unreachable through this DSL
        assertThat(cached.fromCache("items").select(NAME).from(ITEMS).where(ID.eq(11)).fetchOne(NAME)).isEqualTo("item 11");
        assertThat(cached.stats("items").hits()).isEqualTo(1);
    }

    @Test
    void jooqsServerVersionCheckTakesNoPooledConnection() throws Exception {
        // jOOQ reads the server version through getMetaData() on the first executions in a JVM. Were
        // that to take a pooled connection, a cold-start stampede would hold the whole pool while the
        // one regenerating caller waits for a connection.
        CachingDSL cached = cached(Regions.builder().region("items").build());
        cached.fromCache("items").connection(c -> {
            assertThat(c.getMetaData().getDatabaseMajorVersion()).isGreaterThanOrEqualTo(14);
            assertThat(c.getMetaData().getDatabaseProductName()).isEqualTo("PostgreSQL");
            assertThat(db.pool.getHikariPoolMXBean().getActiveConnections()).as("connections held during the call").isZero();
        });
    }
}
