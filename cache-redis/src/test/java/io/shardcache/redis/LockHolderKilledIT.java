package io.shardcache.redis;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardcache.query.CachingDSL;
import io.shardcache.query.CountingBackend;
import io.shardcache.query.Db;
import io.shardcache.query.RegionStats;
import io.shardcache.query.Regions;
import io.shardcache.testing.Eventually;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.jooq.Record2;
import org.jooq.Result;
import org.jooq.ResultQuery;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A regeneration lock whose holder's process is killed (SIGKILL: no unlock, no shutdown hook) is
 * free again by itself, and the next process regenerates the entry without anyone hanging.
 *
 * <p>JVM A ({@link LockHolderChild}) reads a cold key whose query blocks in PostgreSQL on an
 * advisory lock this test holds (the "gate"), so A holds the regeneration lock mid-regeneration for
 * as long as the test likes, with no sleeping. The test kills A, ends its orphaned PostgreSQL
 * session (else it would finish A's query once the gate opens), opens the gate, and this JVM (B)
 * reads the same key with eight threads. The lock's lifetime after a death depends on the mode
 * that {@code RedisCacheBackend} chose for the lease: a lease up to the watchdog timeout is the key's
 * TTL; a longer one is held by Redisson's watchdog, which dies with A, so the key expires within the
 * watchdog timeout.
 */
@ExtendWith(ServicesExtension.class)
class LockHolderKilledIT {

    private RedisService redis;
    private TestSchema schema;
    private String prefix;
    private Db db;
    private RawRedis raw;
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    /** The holder's query: blocks until the test releases the gate of {@code counter}, then counts itself. */
    static ResultQuery<Record2<String, Integer>> gatedRead(DSLContext dsl, String counter) {
        return dsl.select(NAME, DSL.field("(select touch_gated({0}))", Integer.class, DSL.val(counter))).from(ITEMS).where(ID.eq(7));
    }

    @BeforeEach
    void setUp(RedisService redis, TestSchema schema, TestInfo test) throws Exception {
        this.redis = redis;
        this.schema = schema;
        this.prefix = RedisService.uniquePrefix(getClass().getSimpleName() + "." + test.getTestMethod().orElseThrow().getName());
        this.db = new Db(schema, 12);
        this.raw = new RawRedis(redis);
        // Advisory locks are database-wide: the gate's key is derived from the counter, which names the schema.
        db.execute("""
            create function touch_gated(key text) returns int language plpgsql volatile as $$
            begin
              perform pg_advisory_lock_shared(hashtext(key));
              perform pg_advisory_unlock_shared(hashtext(key));
              return touch(key);
            end $$;
            """);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeLater.reversed())
            c.close();
        db.close();
        raw.deleteAll(prefix);
        raw.close();
    }

    @Test
    void aKilledHoldersLockIsFreeWhenItsLeaseRunsOut() throws Exception {
        // 2 s is below the default watchdog timeout (10 s): a plain lease, the lock key's TTL.
        killTheHolderAndRead(Duration.ofSeconds(2), RedisCacheBackend.DEFAULT_LOCK_WATCHDOG_TIMEOUT, Duration.ofSeconds(2));
    }

    @Test
    void aKilledHoldersWatchdogHeldLockIsFreeWithinTheWatchdogTimeoutLongBeforeItsLease() throws Exception {
        // A 60 s lease over a 1.5 s watchdog: held by renewals that die with the holder.
        Duration watchdog = Duration.ofMillis(1500);
        killTheHolderAndRead(Duration.ofSeconds(60), watchdog, watchdog);
    }

    /**
     * @param freeAfter how long after the kill the lock may still be held: the lease, or the watchdog timeout
     */
    private void killTheHolderAndRead(Duration lease, Duration watchdog, Duration freeAfter) throws Exception {
        String counter = schema.name() + ".held";
        String holderApp = "holder-" + schema.name();
        Regions regions = Regions.builder().region("items", r -> r.lockLease(lease)).build();

        // B, this JVM: its own Redis clients and engine, warmed up (class loading, connections) before A dies.
        RedisCacheBackend redisB = closeLater(RedisCacheBackend.builder(redis.uri()).keyPrefix(prefix).lockWatchdogTimeout(watchdog).build());
        CountingBackend countingB = new CountingBackend(redisB);
        CachingDSL b = closeLater(CachingDSL.wrap(db.dsl, regions, countingB));
        assertThat(b.fromCache("items").fetch(gatedRead(db.dsl, counter + ".warm")).getValues(NAME)).containsExactly("item 7");
        String hash = b.keyOf("items", gatedRead(db.dsl, counter)).hash();
        String lockKey = prefix + "items:" + redisB.generation("region:items") + ":" + hash + ":lock";
        RegionStats before = b.stats("items");

        long killedAt;
        try (Connection gate = schema.connect()) {
            advisory(gate, "pg_advisory_lock", counter);
            ChildJvm a = closeLater(ChildJvm.start("holder", LockHolderChild.class,
                List.of("name=" + holderApp, "counter=" + counter, "leaseMs=" + lease.toMillis(), "watchdogMs=" + watchdog.toMillis()),
                ChildSide.environment(schema, redis, prefix)));
            String locked = a.await("LOCKED ", Duration.ofSeconds(60));
            assertThat(prefix + locked.substring("LOCKED ".length())).as("the lock A took").isEqualTo(lockKey);
            PgSessions.await(schema, holderApp, "wait_event_type = 'Lock'", true, () -> "");   // A is inside its query, blocked at the gate
            assertThat(raw.commands().exists(lockKey)).as("A's lock in Redis").isEqualTo(1);

            if (lease.compareTo(watchdog) > 0) {
                // Outlive the watchdog timeout: the lock is still there only because A's watchdog renews it.
                Thread.sleep(watchdog.plusMillis(500).toMillis());
                assertThat(raw.commands().exists(lockKey)).as("a live holder's lock %s ms after it was taken", watchdog.plusMillis(500).toMillis())
                    .isEqualTo(1);
                assertThat(raw.commands().pttl(lockKey)).as("TTL of a watchdog-held lock").isBetween(1L, watchdog.toMillis());
            } else {
                assertThat(raw.commands().pttl(lockKey)).as("TTL of a plain lease").isBetween(1L, lease.toMillis());
            }

            a.kill();
            killedAt = System.nanoTime();
            // A's query is still queued at the gate in PostgreSQL: end it before opening the gate.
            try (Connection c = schema.connect(); PreparedStatement s = c.prepareStatement(
                "select pg_terminate_backend(pid) from pg_stat_activity where application_name = ?")) {
                s.setString(1, holderApp);
                s.executeQuery().close();
            }
            PgSessions.await(schema, holderApp, "true", false, () -> "");
            advisory(gate, "pg_advisory_unlock", counter);
        }

        List<Future<Result<Record2<String, Integer>>>> results = onGate(8, () -> b.fromCache("items").fetch(gatedRead(db.dsl, counter)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (Future<Result<Record2<String, Integer>>> f : results) {
            Result<Record2<String, Integer>> rows = f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);   // no caller hangs
            assertThat(rows.getValues(NAME)).containsExactly("item 7");
        }
        Duration took = Duration.ofNanos(System.nanoTime() - killedAt);
        RegionStats after = b.stats("items");
        System.out.printf("LockHolderKilledIT: lease=%dms watchdog=%dms: B had all rows %d ms after the kill; B's lock attempts=%d, lockTimeouts=%d, regenerations=%d%n",
            lease.toMillis(), watchdog.toMillis(), took.toMillis(), countingB.lockAttemptsOn(hash),
            after.lockTimeouts() - before.lockTimeouts(), after.regenerations() - before.regenerations());

        assertThat(took).as("B regenerated within %s ms (+1 s) of the kill", freeAfter.toMillis()).isLessThanOrEqualTo(freeAfter.plusSeconds(1));
        assertThat(after.lockTimeouts() - before.lockTimeouts()).as("B got the lock rather than giving up on it").isZero();
        assertThat(countingB.lockAttemptsOn(hash)).as("B's lock attempts (8 threads, one flight)").isEqualTo(1);
        assertThat(after.regenerations() - before.regenerations()).as("B's regenerations").isEqualTo(1);
        assertThat(after.stored() - before.stored()).as("B stored the entry").isEqualTo(1);
        assertThat(db.executions(counter)).as("executions: A's never completed, B's once").isEqualTo(1);
        // B's callers have their rows before B releases (the release, with its fill announcement, runs on
        // a background thread after the store), so give the release its round trips.
        Eventually.await("B released the lock (keys named " + lockKey + ")", Duration.ofSeconds(5), () -> raw.commands().exists(lockKey),
            n -> n == 0);

        assertThat(b.fromCache("items").fetch(gatedRead(db.dsl, counter)).getValues(NAME)).containsExactly("item 7");
        assertThat(b.stats("items").hits() - after.hits()).as("the next read is a hit").isEqualTo(1);
        assertThat(db.executions(counter)).isEqualTo(1);
    }

    private static void advisory(Connection c, String function, String key) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("select " + function + "(hashtext(?))")) {
            s.setString(1, key);
            s.executeQuery().close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        closeLater.add(c);
        return c;
    }

    /** Runs {@code task} on {@code n} threads released at once by one gate; the caller bounds its waits on the futures. */
    private static <T> List<Future<T>> onGate(int n, java.util.concurrent.Callable<T> task) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch ready = new CountDownLatch(n);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<T>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++)
            futures.add(pool.submit(() -> {
                ready.countDown();
                go.await();
                return task.call();
            }));
        ready.await();
        go.countDown();
        pool.shutdown();
        return futures;
    }
}
