package io.shardcache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardcache.query.spi.RegenerationLocks;
import io.shardcache.query.spi.RegenerationLocks.Lease;
import io.shardcache.testing.Eventually;
import io.shardcache.testing.Gate;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.ServicesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Regeneration locks on a real Redis. Each backend has its own Redisson client, so two backends
 * behave like two JVMs. Threads start on one gate; only the lease-expiry tests sleep.
 */
@ExtendWith(ServicesExtension.class)
class RedisRegenerationLocksIT {

    private static final Duration LONG = Duration.ofMinutes(1);

    private RedisService redis;
    private String prefix;
    private RawRedis raw;
    private final List<RedisCacheBackend> backends = new ArrayList<>();

    @BeforeEach
    void setUp(RedisService redis, TestInfo test) {
        this.redis = redis;
        this.prefix = RedisService.uniquePrefix(getClass().getSimpleName() + "." + test.getTestMethod().orElseThrow().getName());
        this.raw = new RawRedis(redis);
    }

    @AfterEach
    void tearDown() {
        backends.forEach(RedisCacheBackend::close);
        raw.deleteAll(prefix);
        raw.close();
    }

    /** A backend with its own Redis clients: another "JVM". */
    private RegenerationLocks jvm() {
        return jvm(RedisCacheBackend.DEFAULT_LOCK_WATCHDOG_TIMEOUT);
    }

    private RegenerationLocks jvm(Duration watchdog) {
        RedisCacheBackend b = RedisCacheBackend.builder(redis.uri()).keyPrefix(prefix).lockWatchdogTimeout(watchdog).build();
        backends.add(b);
        return b.locks();
    }

    @Test
    void aLockIsExclusiveAcrossProcessesAndNotReentrant() {
        RegenerationLocks one = jvm();
        RegenerationLocks two = jvm();

        Lease held = one.tryAcquire("k:lock", LONG).orElseThrow();
        assertThat(two.tryAcquire("k:lock", LONG)).as("other process").isEmpty();
        assertThat(one.tryAcquire("k:lock", LONG)).as("same process, same thread: not reentrant").isEmpty();
        assertThat(two.tryAcquire("other:lock", LONG)).as("another key").isPresent();
        assertThat(raw.commands().exists(prefix + "k:lock")).as("the lock key carries the prefix").isEqualTo(1);

        held.release();
        assertThat(two.tryAcquire("k:lock", LONG)).isPresent();
    }

    @Test
    void ofManyContendersInTwoProcessesExactlyOneGetsTheLock() throws Exception {
        List<RegenerationLocks> processes = List.of(jvm(), jvm());
        List<Future<Optional<Lease>>> outcomes = Gate.run(32, i -> processes.get(i % 2).tryAcquire("hot:lock", LONG));
        int winners = 0;
        for (Future<Optional<Lease>> f : outcomes)
            winners += f.get().isPresent() ? 1 : 0;
        assertThat(winners).isEqualTo(1);
    }

    @Test
    void aLeaseCanBeReleasedFromAnotherThread() throws Exception {
        RegenerationLocks one = jvm();
        RegenerationLocks two = jvm();
        ExecutorService acquirer = Executors.newSingleThreadExecutor();
        ExecutorService releaser = Executors.newSingleThreadExecutor();
        try {
            Lease lease = acquirer.submit(() -> one.tryAcquire("bg:lock", LONG).orElseThrow()).get();
            assertThat(two.tryAcquire("bg:lock", LONG)).isEmpty();
            releaser.submit(lease::release).get();
            assertThat(two.tryAcquire("bg:lock", LONG)).as("released by a thread that did not take it").isPresent();
        } finally {
            acquirer.shutdown();
            releaser.shutdown();
        }
    }

    @Test
    void waitersGetTheLockOneAtATimeAsEachHolderReleasesIt() throws Exception {
        List<RegenerationLocks> processes = List.of(jvm(), jvm(), jvm());
        Lease first = processes.get(0).tryAcquire("w:lock", LONG).orElseThrow();
        AtomicInteger holding = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        AtomicInteger acquisitions = new AtomicInteger();
        int waiters = 8;
        CountDownLatch waiting = new CountDownLatch(waiters);

        ExecutorService pool = Executors.newFixedThreadPool(waiters);
        List<Future<Boolean>> outcomes = new ArrayList<>();
        for (int i = 0; i < waiters; i++) {
            RegenerationLocks locks = processes.get(1 + i % 2);
            outcomes.add(pool.submit(() -> {
                waiting.countDown();
                // The lease (1 min) and the wait (30 s) are far longer than this test: only the
                // previous holder's release can let a waiter in.
                Optional<Lease> got = locks.acquire("w:lock", Duration.ofSeconds(30), LONG).held();
                if (got.isEmpty())
                    return false;
                mostAtOnce.accumulateAndGet(holding.incrementAndGet(), Math::max);
                acquisitions.incrementAndGet();
                holding.decrementAndGet();
                got.get().release();
                return true;
            }));
        }
        assertThat(waiting.await(30, TimeUnit.SECONDS)).isTrue();
        first.release();
        pool.shutdown();
        assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();

        for (Future<Boolean> f : outcomes)
            assertThat(f.get()).as("every waiter got the lock within its wait").isTrue();
        assertThat(acquisitions.get()).isEqualTo(waiters);
        assertThat(mostAtOnce.get()).as("holders at once").isEqualTo(1);
    }

    @Test
    void aFillAnnouncementEndsTheWaitsOnThatLockInEveryProcessWithoutHandingItOn() throws Exception {
        RegenerationLocks holder = jvm();
        List<RegenerationLocks> processes = List.of(jvm(), jvm());
        for (RegenerationLocks p : processes)
            awaitSubscribed(p);
        Lease filling = holder.tryAcquire("f:lock", LONG).orElseThrow();
        Lease otherKey = holder.tryAcquire("g:lock", LONG).orElseThrow();
        int waiters = 6;
        CountDownLatch waiting = new CountDownLatch(waiters + 1);
        ExecutorService pool = Executors.newFixedThreadPool(waiters + 1);
        try {
            List<Future<RegenerationLocks.Acquisition>> outcomes = new ArrayList<>();
            for (int i = 0; i < waiters; i++) {
                RegenerationLocks locks = processes.get(i % 2);
                outcomes.add(pool.submit(() -> {
                    waiting.countDown();
                    return locks.acquire("f:lock", Duration.ofSeconds(30), LONG);
                }));
            }
            Future<RegenerationLocks.Acquisition> onOtherKey = pool.submit(() -> {
                waiting.countDown();
                return processes.get(0).acquire("g:lock", Duration.ofSeconds(30), LONG);
            });
            assertThat(waiting.await(30, TimeUnit.SECONDS)).isTrue();
            awaitWaiting(processes.get(0), "f:lock", waiters / 2);
            awaitWaiting(processes.get(1), "f:lock", waiters / 2);

            filling.releaseFilled();

            for (Future<RegenerationLocks.Acquisition> f : outcomes)
                assertThat(f.get(30, TimeUnit.SECONDS)).as("every waiter hears the fill").isSameAs(RegenerationLocks.Acquisition.FILLED);
            assertThat(onOtherKey.isDone()).as("a fill of another key ends no wait").isFalse();
            assertThat(processes.get(1).tryAcquire("f:lock", LONG)).as("no waiter kept the lock").isPresent();
            otherKey.release();
            assertThat(onOtherKey.get(30, TimeUnit.SECONDS)).as("a plain release hands the lock on")
                .isInstanceOf(RegenerationLocks.Acquisition.Held.class);
            onOtherKey.get().held().orElseThrow().release();
        } finally {
            pool.shutdownNow();
        }
    }

    /** Until a waiter is parked, the lock's release may reach it before the announcement does. */
    private static void awaitWaiting(RegenerationLocks locks, String lockKey, int waiters) throws InterruptedException {
        io.shardcache.redis.internal.RedissonLocks redisson = (io.shardcache.redis.internal.RedissonLocks) locks;
        Eventually.await(waiters + " waits parked on " + lockKey, Duration.ofSeconds(10), () -> redisson.parkedOn(lockKey) >= waiters,
            () -> redisson.parkedOn(lockKey) + " parked");
        assertThat(redisson.parkedOn(lockKey)).as("waits parked on %s", lockKey).isEqualTo(waiters);
    }

    /** Announcements are best effort until the subscription is up; this test is about what follows. */
    private static void awaitSubscribed(RegenerationLocks locks) throws InterruptedException {
        io.shardcache.redis.internal.RedissonLocks redisson = (io.shardcache.redis.internal.RedissonLocks) locks;
        Eventually.await("subscribed to fill announcements", Duration.ofSeconds(10), redisson::hearsFillAnnouncements);
    }

    @Test
    void aWaitRunsOutWhileTheLockIsHeld() throws Exception {
        RegenerationLocks one = jvm();
        RegenerationLocks two = jvm();
        Lease held = one.tryAcquire("busy:lock", LONG).orElseThrow();
        assertThat(two.acquire("busy:lock", Duration.ofMillis(300), LONG).held()).isEmpty();
        held.release();
        assertThat(two.acquire("busy:lock", Duration.ofMillis(300), LONG).held()).isPresent();
    }

    @Test
    void anInterruptedWaiterThrowsAndDoesNotTakeTheLockLater() throws Exception {
        RegenerationLocks one = jvm();
        RegenerationLocks two = jvm();
        Lease held = one.tryAcquire("int:lock", LONG).orElseThrow();
        CountDownLatch started = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Optional<Lease>> waiter = pool.submit(() -> {
                started.countDown();
                return two.acquire("int:lock", Duration.ofSeconds(30), LONG).held();
            });
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            waiter.cancel(true);
            pool.shutdown();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).as("the interrupted waiter returned").isTrue();
        } finally {
            pool.shutdownNow();
        }
        held.release();
        assertThat(jvm().acquire("int:lock", Duration.ofSeconds(10), LONG).held()).as("nobody took it behind our back").isPresent();
    }

    @Test
    void aLeaseThatIsNeverReleasedExpiresOnItsOwn() throws Exception {
        RegenerationLocks dead = jvm();
        RegenerationLocks other = jvm();
        dead.tryAcquire("exp:lock", Duration.ofMillis(700)).orElseThrow();   // never released
        assertThat(raw.commands().pttl(prefix + "exp:lock")).as("a plain lease is the key's TTL").isBetween(1L, 700L);

        Optional<Lease> next = other.acquire("exp:lock", Duration.ofSeconds(10), LONG).held();
        assertThat(next).as("free once the lease ran out").isPresent();
    }

    @Test
    void releasingTwiceOrAfterExpiryDoesNothing() throws Exception {
        RegenerationLocks one = jvm();
        RegenerationLocks two = jvm();
        Lease lease = one.tryAcquire("twice:lock", LONG).orElseThrow();
        lease.release();
        lease.release();

        Lease shortLease = one.tryAcquire("twice:lock", Duration.ofMillis(300)).orElseThrow();
        Lease successor = two.acquire("twice:lock", Duration.ofSeconds(10), LONG).held().orElseThrow();   // after expiry
        shortLease.release();   // expired: must not release the successor's lock
        assertThat(jvm().tryAcquire("twice:lock", LONG)).as("the successor still holds it").isEmpty();
        successor.release();
        successor.release();
        assertThat(jvm().tryAcquire("twice:lock", LONG)).isPresent();
    }

    /**
     * A lease longer than the watchdog timeout: the watchdog keeps a live holder's lock beyond the
     * key's TTL, and a holder that dies (its client closed, never released) loses it within the
     * watchdog timeout rather than at its lease.
     */
    @Test
    void theWatchdogKeepsALiveHoldersLockAndLetsADeadHoldersExpire() throws Exception {
        Duration watchdog = Duration.ofMillis(900);
        RedisCacheBackend holderBackend = RedisCacheBackend.builder(redis.uri()).keyPrefix(prefix).lockWatchdogTimeout(watchdog).build();
        backends.add(holderBackend);
        RegenerationLocks other = jvm();

        long start = System.nanoTime();
        holderBackend.locks().tryAcquire("wd:lock", Duration.ofSeconds(60)).orElseThrow();
        assertThat(raw.commands().pttl(prefix + "wd:lock")).as("TTL is the watchdog's, not the lease's").isBetween(1L, 900L);
        Thread.sleep(2_000);   // more than two watchdog timeouts
        assertThat(other.tryAcquire("wd:lock", LONG)).as("renewed while its holder lives").isEmpty();
        assertThat(raw.commands().pttl(prefix + "wd:lock")).isBetween(1L, 900L);

        holderBackend.close();   // the holder dies without releasing
        assertThat(other.acquire("wd:lock", Duration.ofSeconds(20), LONG).held()).isPresent();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("well before the 60s lease").isLessThan(Duration.ofSeconds(30));
    }

    /** The watchdog never keeps a lock past its lease, even if the holder lives and never releases it. */
    @Test
    void aWatchdogHeldLeaseStillEndsAtTheLease() throws Exception {
        RegenerationLocks holder = jvm(Duration.ofMillis(600));
        RegenerationLocks other = jvm();
        Lease stuck = holder.tryAcquire("cap:lock", Duration.ofMillis(2_500)).orElseThrow();
        Thread.sleep(1_500);   // past two watchdog timeouts, still within the lease
        assertThat(other.tryAcquire("cap:lock", LONG)).as("renewed within the lease").isEmpty();

        Lease next = other.acquire("cap:lock", Duration.ofSeconds(20), LONG).held().orElseThrow();
        stuck.release();   // the bound ended it already: nothing to do, and the new holder keeps it
        assertThat(jvm().tryAcquire("cap:lock", LONG)).isEmpty();
        next.release();
    }

    @Test
    void badArgumentsFailEarly() {
        RegenerationLocks locks = jvm();
        assertThatThrownBy(() -> locks.tryAcquire("k", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lease");
        assertThatThrownBy(() -> locks.acquire("k", Duration.ofMillis(-1), LONG).held()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("wait");
        assertThatThrownBy(() -> locks.tryAcquire(null, LONG)).isInstanceOf(NullPointerException.class);
    }

}
