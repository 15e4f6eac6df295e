package io.shardcache.redis;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardcache.query.CachingDSL;
import io.shardcache.query.Regions;
import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Redis is killed and restarted (empty) while one JVM writes and another reads: the writer's bumps
 * refused during and just after the outage reach Redis as soon as it answers the writer again, so
 * the reader's stale reads end within a reconnection and one retry of the restart.
 */
@ExtendWith(ServicesExtension.class)
class RedisRestartGapIT {

    private OutageLoad load;
    private KillableRedis redis;

    @BeforeEach
    void setUp(TestSchema schema, TestInfo test) throws Exception {
        this.load = new OutageLoad(schema, test);
        this.redis = load.closeLater(KillableRedis.start());
    }

    @AfterEach
    void tearDown() throws Exception {
        load.close();
    }

    /** A JVM whose circuit stays open {@code openFor} after Redis failed three times in a row. */
    private CachingDSL jvm(Duration openFor) {
        RedisCacheBackend backend = load.closeLater(RedisCacheBackend.builder(redis.uri()).keyPrefix(load.prefix).build());
        return load.closeLater(CachingDSL.builder(load.db.dsl, Regions.builder().region("items").build()).backend(backend)
            .circuitBreaker(3, openFor).build());
    }

    @Test
    void staleReadsInAnotherJvmEndSoonAfterRedisIsBack() throws Exception {
        // The writer's circuit stays open three times longer than the reader's: without the background
        // retry its bumps would be refused for seconds while the reader is back on Redis.
        CachingDSL writer = jvm(Duration.ofSeconds(3));
        CachingDSL reader = jvm(Duration.ofSeconds(1));
        AtomicLong restartedAt = new AtomicLong(Long.MAX_VALUE);
        AtomicLong killedAt = new AtomicLong(Long.MAX_VALUE);
        AtomicLong staleBeforeRestart = new AtomicLong();
        AtomicLong staleAfterRestart = new AtomicLong();
        AtomicLong lastStaleAfterRestart = new AtomicLong(-1);
        AtomicLong hits = new AtomicLong();
        VersionedWriter versions = load.startWriter(writer, 10);
        for (int r = 0; r < 2; r++)
            load.startReader("reader-" + r, () -> {
                long before = versions.committed();
                long hitsBefore = reader.stats("items").hits();
                String name = reader.fromCache("items").select(NAME).from(ITEMS).where(ID.eq(OutageLoad.ID_WRITTEN)).fetchOne(NAME);
                long now = System.nanoTime();
                if (reader.stats("items").hits() > hitsBefore)
                    hits.incrementAndGet();
                long version = VersionedWriter.version(name);
                if (version < before) {
                    if (now > restartedAt.get()) {
                        staleAfterRestart.incrementAndGet();
                        lastStaleAfterRestart.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(now - restartedAt.get()), Math::max);
                    } else
                        staleBeforeRestart.incrementAndGet();
                }
            });
        Thread.sleep(1_000);
        redis.kill();
        killedAt.set(System.nanoTime());
        Thread.sleep(1_500);
        redis.launch();   // same port, empty
        restartedAt.set(System.nanoTime());
        long hitsAtRestart = hits.get();
        Thread.sleep(4_000);
        load.stop();
        System.out.printf("RedisRestartGapIT: %d reads, %d writes, hits after the restart %d; stale reads before the restart %d,"
                + " after it %d, the last %d ms after the restart; errors %d%n",
            load.reads.get(), versions.committed(), hits.get() - hitsAtRestart, staleBeforeRestart.get(), staleAfterRestart.get(),
            lastStaleAfterRestart.get(), load.errors.size());
        assertThat(load.errors).as("exceptions that reached callers").isEmpty();
        assertThat(hits.get() - hitsAtRestart).as("hits after the restart: the reader uses Redis again").isPositive();
        assertThat(staleBeforeRestart.get()).as("stale reads before Redis was back").isZero();
        assertThat(lastStaleAfterRestart.get())
            .as("ms from the restart to the last stale read (reconnection within %d ms, then one retry every %d ms)",
                io.shardcache.redis.internal.LettuceClients.RECONNECT_DELAY_CAP_MILLIS, 50)
            .isLessThan(600);
    }
}
