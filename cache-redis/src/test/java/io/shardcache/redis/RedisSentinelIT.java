package io.shardcache.redis;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;
import static io.shardcache.testing.Eventually.awaitWorking;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardcache.query.CacheBackendException;
import io.shardcache.query.CachingDSL;
import io.shardcache.query.Health;
import io.shardcache.query.Region;
import io.shardcache.query.Regions;
import io.shardcache.query.spi.RegenerationLocks;
import io.shardcache.testing.Eventually;
import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A backend on Redis Sentinel (one master, two replicas, three Sentinels, all of this test's own)
 * while the master is killed under a writing JVM and a reading one: reads answer throughout (from
 * PostgreSQL while there is no master), both JVMs follow the new master, and locks and the change
 * feed work on it. Stale reads are counted in three phases: before the kill, from the kill until the
 * writer's bumps reach the new master again, and after; in a region without a near cache (asserted)
 * and one with (reported: a near cache may serve a copy until the message of a bump arrives).
 */
@ExtendWith(ServicesExtension.class)
class RedisSentinelIT {

    private OutageLoad load;
    private RedisSentinelProcesses redis;

    @BeforeEach
    void setUp(TestSchema schema, TestInfo test) throws Exception {
        this.load = new OutageLoad(schema, test);
        this.redis = load.closeLater(RedisSentinelProcesses.start());
    }

    @AfterEach
    void tearDown() throws Exception {
        load.close();
    }

    private RedisCacheBackend backend(UnaryOperator<RedisCacheBackend.Builder> settings) {
        return load.closeLater(settings.apply(RedisCacheBackend.sentinelBuilder(RedisSentinelProcesses.MASTER_NAME, redis.sentinelUris())
            .keyPrefix(load.prefix)).build());
    }

    /**
     * One JVM's caching DSL. The churn bypass is off: the writer outdates the entries about as often as they are
     * read, and these tests must read them through the cache to catch a stale one.
     */
    private CachingDSL jvm(io.shardcache.query.spi.CacheBackend backend) {
        return load.closeLater(CachingDSL.wrap(load.db.dsl, Regions.builder().region("items", r -> r.churnBypass(false))
            .region("near", r -> r.nearCache(100, Duration.ofSeconds(30)).churnBypass(false)).build(), backend));
    }

    /** With every bump on a replica before it returns, a failover loses none: no stale read once the writer is back. */
    @Test
    void withReplicatedBumpsAFailoverLeavesNoStaleRead() throws Exception {
        long[] stale = failover(b -> b.replicatedBumps(1, Duration.ofMillis(100)));
        assertThat(stale[2]).as("stale reads after the writer's bumps reached the new master").isZero();
    }

    /**
     * What a replicated bump costs, side by side with a plain one on the same servers (printed, not
     * asserted: timings on a shared machine are no test).
     */
    @Test
    void whatAReplicatedBumpCosts() throws Exception {
        RedisCacheBackend plain = backend(b -> b);
        RedisCacheBackend replicated = backend(b -> b.replicatedBumps(2, Duration.ofMillis(100)));
        awaitWorking("the replicated backend's first bump", Duration.ofSeconds(15), CacheBackendException.class, () -> replicated.incrementGeneration("warm-up"));
        awaitWorking("the plain backend's first bump", Duration.ofSeconds(15), CacheBackendException.class, () -> plain.incrementGeneration("warm-up"));
        long[] nanos = new long[2];
        for (int round = 0; round < 10; round++)
            for (int which = 0; which < 2; which++) {
                RedisCacheBackend b = which == 0 ? plain : replicated;
                long start = System.nanoTime();
                for (int i = 0; i < 100; i++)
                    b.incrementGenerations(List.of("table:|items", "table:|+"));
                if (round > 0)   // the first round warms up
                    nanos[which] += System.nanoTime() - start;
            }
        System.out.printf("RedisSentinelIT: a write's bump (2 counters), mean of 900, alternating: plain %.0f us, waiting for 2 replicas %.0f us%n",
            nanos[0] / 900 / 1e3, nanos[1] / 900 / 1e3);
        assertThat(replicated.incrementGeneration("table:|items")).isPositive();
    }

    /** Without, a bump the master had not yet sent to the replicas is lost with it: reported, not asserted. */
    @Test
    void withoutReplicatedBumpsAFailoverIsFollowedToo() throws Exception {
        failover(b -> b);
    }

    /**
     * Runs the scenario; returns the stale reads before the kill, during the failover, and once
     * settled (see the comment where the master is watched).
     */
    private long[] failover(UnaryOperator<RedisCacheBackend.Builder> writerSettings) throws Exception {
        RedisCacheBackend writerBackend = backend(writerSettings);
        RedisCacheBackend readerBackend = backend(b -> b);
        Queue<String> bumpFailures = new ConcurrentLinkedQueue<>();
        AtomicLong phase2At = new AtomicLong(Long.MAX_VALUE);
        CachingDSL writer = jvm(new io.shardcache.query.spi.ForwardingCacheBackend(writerBackend) {
            @Override
            public long[] incrementGenerations(List<String> counters) {
                try {
                    return super.incrementGenerations(counters);
                } catch (RuntimeException e) {
                    long at = System.nanoTime();
                    if (at > phase2At.get())
                        bumpFailures.add(TimeUnit.NANOSECONDS.toMillis(at - phase2At.get()) + " ms: " + e.getMessage());
                    throw e;
                }
            }

            @Override
            public void close() {
            }
        });
        Queue<String> staleAfter = new ConcurrentLinkedQueue<>();
        Queue<long[]> staleReads = new ConcurrentLinkedQueue<>();   // of the region without a near cache: when each began and ended
        CachingDSL reader = jvm(readerBackend);
        awaitWorking("the writer's first bump", Duration.ofSeconds(15), CacheBackendException.class, () -> writerBackend.incrementGeneration("warm-up"));
        awaitWorking("the reader's first read", Duration.ofSeconds(15), CacheBackendException.class, () -> readerBackend.generation("warm-up"));

        AtomicLong nearWorstMillis = new AtomicLong();
        AtomicInteger phase = new AtomicInteger();          // 0 before the kill, 1 during the failover, 2 after
        long[] staleIn = new long[3];        // the region without a near cache
        long[] nearStaleIn = new long[3];    // the near cache may serve a copy until a bump's message arrives: reported
        AtomicLong hitsAfter = new AtomicLong();
        VersionedWriter versions = load.startWriter(writer, 5);
        for (int r = 0; r < 2; r++) {
            String region = r == 0 ? "items" : "near";
            load.startReader("reader-" + region, () -> {
                long before = versions.committed();
                int at = phase.get();
                long started = System.nanoTime();
                long hits = reader.stats(region).hits() + reader.stats(region).nearHits();
                String name = reader.fromCache(region).select(NAME).from(ITEMS).where(ID.eq(OutageLoad.ID_WRITTEN)).fetchOne(NAME);
                long version = VersionedWriter.version(name);
                if (version < before && region.equals("near")) {
                    Long newer = versions.committedAt(version + 1);   // the first write it missed
                    if (newer != null)
                        nearWorstMillis.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(started - newer), Math::max);
                }
                if (version < before && region.equals("items"))
                    staleReads.add(new long[] {started, System.nanoTime()});
                if (version < before) {
                    synchronized (staleIn) {
                        (region.equals("near") ? nearStaleIn : staleIn)[at]++;
                    }
                    if (at == 2 && !region.equals("near"))
                        staleAfter.add(region + " +" + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - phase2At.get()) + " ms: "
                            + name + " < v" + before);
                }
                if (at == 2 && reader.stats(region).hits() + reader.stats(region).nearHits() > hits)
                    hitsAfter.incrementAndGet();
            });
        }
        Thread.sleep(1_000);
        int oldMaster = redis.master().port();
        redis.master().kill();
        long killedAt = System.nanoTime();
        phase.set(1);
        long deadline = killedAt + TimeUnit.SECONDS.toNanos(30);   // moved on if the Sentinels fail over again
        Eventually.await("the Sentinels promote a replica (the master's port)", left(deadline), redis::masterPort, port -> port != oldMaster);
        long promotedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
        // Settled: the writer's bumps reach the master, and the Sentinels still name it. Under load a
        // starved master can be failed over again (down-after 1 s); a replica that missed bumps is then
        // master until the writer's retries land there, which is the documented gap of any failover, so
        // reads are held to 0 stale only in settled windows, 3 s of them in all.
        int master = redis.masterPort();
        int failovers = 1;
        long writerBackMillis = -1;
        List<long[]> settled = new ArrayList<>();
        long settledNanos = 0;
        while (settledNanos < TimeUnit.SECONDS.toNanos(3)) {
            Eventually.await("the writer's bumps reach the new master", left(deadline), writer::health,
                h -> h.status() == Health.Status.UP);
            long start = System.nanoTime();
            if (writerBackMillis < 0)
                writerBackMillis = TimeUnit.NANOSECONDS.toMillis(start - killedAt);
            phase2At.compareAndSet(Long.MAX_VALUE, start);
            phase.set(2);
            long lastSame = start;
            while (settledNanos + (lastSame - start) < TimeUnit.SECONDS.toNanos(3)) {
                Thread.sleep(100);
                long asked = System.nanoTime();
                int now = redis.masterPort();
                if (now == master) {
                    lastSame = asked;   // named before this question was asked: settled until then
                    continue;
                }
                master = now;
                failovers++;
                phase.set(1);
                deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                break;
            }
            settled.add(new long[] {start, lastSame});
            settledNanos += lastSame - start;
        }
        long staleSettled = staleReads.stream()
            .filter(r -> settled.stream().anyMatch(w -> r[0] >= w[0] && r[1] <= w[1])).count();
        load.stop();

        RegenerationLocks locks = readerBackend.locks();
        assertThat(locks.tryAcquire("after-failover", Duration.ofSeconds(5))).as("a lock on the new master").isPresent();
        System.out.printf("RedisSentinelIT %s: %d reads, %d writes; new master named %d ms after the kill, the writer's bumps back"
                + " %d ms after it; stale reads before the kill %d, during the failover %d, after %d (near cache: %d, %d, %d, the worst %d ms after the write it missed); hits after %d; errors %d%n",
            writerBackend.describe(), load.reads.get(), versions.committed(), promotedMillis, writerBackMillis, staleIn[0], staleIn[1], staleIn[2],
            nearStaleIn[0], nearStaleIn[1], nearStaleIn[2], nearWorstMillis.get(), hitsAfter.get(), load.errors.size());
        System.out.println("RedisSentinelIT: stale after: " + staleAfter.stream().limit(10).toList().toString().replace('<', '-') + "; bump failures after "
            + bumpFailures.stream().limit(5).toList());
        assertThat(load.errors).as("exceptions that reached callers").isEmpty();
        assertThat(staleIn[0]).as("stale reads before the kill").isZero();
        assertThat(nearWorstMillis.get()).as("ms from a write to a near hit that had not seen it: at most the region's lag (100 ms)"
            + " and two heartbeats").isLessThanOrEqualTo(Region.DEFAULT_NEAR_CACHE_MAX_LAG.toMillis() + 2 * io.shardcache.redis.internal.ChangeFeed.HEARTBEAT_MILLIS);
        assertThat(hitsAfter.get()).as("hits on the new master").isPositive();
        assertThat(reader.stats("near").nearHits()).as("near hits: the change feed subscribed again").isPositive();
        assertThat(writerBackend.describe()).startsWith("sentinel " + RedisSentinelProcesses.MASTER_NAME + " redis://127.0.0.1:");
        System.out.printf("RedisSentinelIT: %d failover(s); stale reads in the %d settled window(s): %d%n", failovers, settled.size(),
            staleSettled);
        return new long[] {staleIn[0], staleIn[1], staleSettled};
    }

    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }
}
