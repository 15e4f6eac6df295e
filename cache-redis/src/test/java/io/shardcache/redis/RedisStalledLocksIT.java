package io.shardcache.redis;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardcache.query.CacheBackendException;
import io.shardcache.query.CachingDSL;
import io.shardcache.query.Db;
import io.shardcache.query.Regions;
import io.shardcache.redis.internal.RedissonLocks;
import io.shardcache.testing.Eventually;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jooq.Record3;
import org.jooq.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Regeneration locks while Redis stalls ({@code SIGSTOP}) or dies ({@code SIGKILL}) under them, on a
 * server of this test's own: an attempt that gave up never leaves a lock behind, and a waiter never
 * sleeps through an outage.
 */
@ExtendWith(ServicesExtension.class)
class RedisStalledLocksIT {

    private static final Duration LONG = Duration.ofSeconds(60);
    private static final long PAUSE_MILLIS = 3_000;

    private String prefix;
    private KillableRedis redis;
    private RawRedis raw;
    private Db db;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void setUp(TestSchema schema, TestInfo test) throws Exception {
        this.prefix = RedisService.uniquePrefix(getClass().getSimpleName() + "." + test.getTestMethod().orElseThrow().getName());
        this.redis = KillableRedis.start();
        this.raw = new RawRedis(redis.service());
        this.db = new Db(schema, 16);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closing.reversed())
            c.close();
        raw.close();
        redis.close();
        db.close();
    }

    /** A backend with its own Lettuce and Redisson clients: another JVM. */
    private RedisCacheBackend jvm() {
        RedisCacheBackend b = RedisCacheBackend.builder(redis.uri()).keyPrefix(prefix).build();   // 200 ms command timeout
        closing.add(b);
        return b;
    }

    /** Takes and releases a lock, so that the lock client's connections are made. */
    private static void warm(RedisCacheBackend backend) {
        backend.locks().tryAcquire("warm-up", Duration.ofSeconds(1)).orElseThrow().release();
    }

    /**
     * While Redis is paused every attempt times out on our side, but Redis runs the lock command when
     * it resumes: that lock must not outlive the resume by more than a second (it used to stay for
     * the watchdog's 10 s, stalling every reader of the key).
     */
    @Test
    void aLockAttemptThatTimedOutLeavesNoLockOnceRedisResumes() throws Exception {
        RedisCacheBackend gaveUp = jvm();
        RedisCacheBackend other = jvm();
        warm(gaveUp);
        warm(other);
        int keys = 8;
        redis.pause();
        long pausedAt = System.nanoTime();
        try {
            for (int i = 0; i < keys; i++) {
                String key = "stalled:" + i;
                assertThatThrownBy(() -> gaveUp.locks().tryAcquire(key, LONG)).isInstanceOf(CacheBackendException.class)
                    .hasMessageContaining("LOCK");
            }
        } finally {
            Thread.sleep(Math.max(0, PAUSE_MILLIS - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - pausedAt)));
            redis.resume();
        }
        long resumedAt = System.nanoTime();
        long lastSeen = -1;
        while (System.nanoTime() - resumedAt < TimeUnit.SECONDS.toNanos(3)) {
            if (raw.keys(prefix + "stalled:").isEmpty())
                break;
            lastSeen = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resumedAt);
            Thread.sleep(20);
        }
        System.out.printf("RedisStalledLocksIT: locks of given-up attempts last seen %d ms after the resume; cleanups pending %d%n",
            lastSeen, ((RedissonLocks) gaveUp.locks()).pendingCleanUps());
        assertThat(lastSeen).as("ms after the resume that a given-up attempt's lock was still there").isLessThan(1_000);
        for (int i = 0; i < keys; i++)
            assertThat(other.locks().tryAcquire("stalled:" + i, LONG)).as("another JVM takes stalled:%d", i).isPresent();
    }

    /**
     * One JVM holds a key's lock for a regeneration held up in PostgreSQL, another waits for it, and
     * Redis is killed under both: the waiter falls back to the database within the command timeout
     * plus its own query, not at the end of its lock wait or the lock's TTL.
     */
    @Test
    void aLockWaiterFallsBackAtOnceWhenRedisIsKilledUnderIt() throws Exception {
        Regions regions = Regions.builder().region("items", r -> r.lockWait(Duration.ofSeconds(10))).build();
        RedisCacheBackend holderBackend = jvm();
        RedisCacheBackend waiterBackend = jvm();
        warm(holderBackend);
        warm(waiterBackend);
        CachingDSL holder = CachingDSL.wrap(db.dsl, regions, holderBackend);
        CachingDSL waiter = CachingDSL.wrap(db.dsl, regions, waiterBackend);
        closing.add(holder);
        closing.add(waiter);
        long gate = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        String name = db.dsl.select(NAME).from(ITEMS).where(ID.eq(7)).fetchOne(NAME);
        // Threads of their own: the common pool may have a single thread on two cores.
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor();
             Connection gateHolder = db.pool.getConnection(); Statement s = gateHolder.createStatement()) {
            s.execute("select pg_advisory_lock(" + gate + ")");
            CompletableFuture<Result<Record3<Integer, String, Integer>>> held = CompletableFuture.supplyAsync(() -> holder.fromCache("items")
                .select(ID, NAME, Db.touchGated("gated", gate)).from(ITEMS).where(ID.eq(7)).fetch(), callers);
            String lockKey = awaitLockKey();
            CompletableFuture<Result<Record3<Integer, String, Integer>>> waited = CompletableFuture.supplyAsync(() -> waiter.fromCache("items")
                .select(ID, NAME, Db.touchGated("gated", gate)).from(ITEMS).where(ID.eq(7)).fetch(), callers);
            RedissonLocks locks = (RedissonLocks) waiterBackend.locks();
            Eventually.await("the waiter parks on " + lockKey, Duration.ofSeconds(10), () -> locks.parkedOn(lockKey) > 0,
                () -> "its read: " + waited + ", its stats: " + waiter.stats("items"));

            redis.kill();
            long killedAt = System.nanoTime();
            s.execute("select pg_advisory_unlock(" + gate + ")");   // both queries may run now, and take no time
            Result<Record3<Integer, String, Integer>> rows = waited.get(15, TimeUnit.SECONDS);
            long waiterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            held.get(15, TimeUnit.SECONDS);
            System.out.printf("RedisStalledLocksIT: the waiter returned %d ms after Redis was killed%n", waiterMillis);
            assertThat(rows).hasSize(1);
            assertThat(rows.get(0).value2()).isEqualTo(name);
            assertThat(waiterMillis).as("ms from the kill to the waiter's answer (command timeout 200 ms)").isLessThan(1_000);
        }
    }

    private String awaitLockKey() throws InterruptedException {
        List<String> locks = Eventually.await("the holder takes the lock", Duration.ofSeconds(10),
            () -> raw.keys(prefix + "items:").stream().filter(k -> k.endsWith(":lock")).toList(), keys -> !keys.isEmpty());
        return locks.getFirst().substring(prefix.length());
    }

    /**
     * Readers and a writer in two JVMs while Redis is paused for 3 s: every caller gets the database's
     * rows, no read after the resume takes longer than 700 ms, and once the load stops no lock is
     * left in Redis (a lock kept by a given-up attempt would stay for the 10 s watchdog timeout).
     */
    @Test
    void underLoadAPauseLeavesNoSlowReadsAndNoLocksBehind() throws Exception {
        int ids = 20;
        Regions regions = Regions.builder().region("items").build();
        List<CachingDSL> jvms = new ArrayList<>();
        for (int j = 0; j < 2; j++) {
            RedisCacheBackend b = jvm();
            warm(b);
            CachingDSL c = CachingDSL.wrap(db.dsl, regions, b);
            closing.add(c);
            jvms.add(c);
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong resumedAt = new AtomicLong(Long.MAX_VALUE);
        AtomicLong slowestAfterResume = new AtomicLong();
        AtomicLong reads = new AtomicLong();
        AtomicLong wrong = new AtomicLong();
        Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < 6; r++) {
            CachingDSL dsl = jvms.get(r % 2);
            threads.add(Thread.ofPlatform().name("reader-" + r).start(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (!stop.get()) {
                    int id = 1 + random.nextInt(ids);
                    long start = System.nanoTime();
                    try {
                        Map<Integer, String> rows = dsl.fromCache("items").select(ID, NAME).from(ITEMS).where(ID.eq(id)).fetchMap(ID, NAME);
                        if (!rows.containsKey(id))
                            wrong.incrementAndGet();
                    } catch (Throwable t) {
                        errors.add(t);
                    }
                    long end = System.nanoTime();
                    long from = Math.max(start, resumedAt.get());
                    if (end > from)
                        slowestAfterResume.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(end - from), Math::max);
                    reads.incrementAndGet();
                }
            }));
        }
        threads.add(Thread.ofPlatform().name("writer").start(() -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (!stop.get()) {
                try {
                    int id = 1 + random.nextInt(ids);
                    jvms.get(random.nextInt(2)).dsl().update(ITEMS).set(NAME, NAME).where(ID.eq(id)).execute();   // a write: its key regenerates
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                } catch (Throwable t) {
                    errors.add(t);
                }
            }
        }));
        Thread.sleep(1_000);
        redis.pause();
        Thread.sleep(PAUSE_MILLIS);
        redis.resume();
        resumedAt.set(System.nanoTime());
        Thread.sleep(2_000);
        stop.set(true);
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(15));
            assertThat(t.isAlive()).as("%s still busy 15 s after being told to stop", t.getName()).isFalse();
        }
        // A regeneration's lock is released in the background after its caller returned: give those 500 ms.
        long settled = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
        while (System.nanoTime() < settled && raw.keys(prefix).stream().anyMatch(k -> k.endsWith(":lock")))
            Thread.sleep(10);
        List<String> locksLeft = raw.keys(prefix).stream().filter(k -> k.endsWith(":lock"))
            .map(k -> k + " (ttl " + raw.commands().pttl(k) + " ms, " + raw.commands().hgetall(k) + ")").toList();
        System.out.printf("RedisStalledLocksIT: %d reads, slowest after the resume %d ms, locks left %s, errors %d, wrong %d%n",
            reads.get(), slowestAfterResume.get(), locksLeft, errors.size(), wrong.get());
        assertThat(errors).as("exceptions that reached callers").isEmpty();
        assertThat(wrong.get()).isZero();
        assertThat(locksLeft).as("locks in Redis 2.5 s after the resume, the load stopped").isEmpty();
        assertThat(slowestAfterResume.get()).as("the slowest read after the resume, in ms").isLessThan(700);
    }
}
