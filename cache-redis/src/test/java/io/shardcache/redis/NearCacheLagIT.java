package io.shardcache.redis;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardcache.query.CachingDSL;
import io.shardcache.query.Db;
import io.shardcache.query.Regions;
import io.shardcache.testing.Eventually;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A near cache stops serving once its change feed may be more than the region's lag behind: here
 * Redis is paused ({@code SIGSTOP}), which drops no connection, so nothing else would tell the near
 * cache that bumps may be going unheard; before the lag bound it served its copies until their
 * {@code maxAge}.
 */
@ExtendWith(ServicesExtension.class)
class NearCacheLagIT {

    private static final Duration LAG = Duration.ofMillis(100);

    private KillableRedis redis;
    private Db db;
    private RedisCacheBackend backend;
    private CachingDSL cached;

    @BeforeEach
    void setUp(TestSchema schema, TestInfo test) throws Exception {
        redis = KillableRedis.start();
        db = new Db(schema, 8);
        backend = RedisCacheBackend.builder(redis.uri())
            .keyPrefix(RedisService.uniquePrefix(getClass().getSimpleName() + "." + test.getTestMethod().orElseThrow().getName())).build();
        cached = CachingDSL.wrap(db.dsl, Regions.builder()
            .region("near", r -> r.nearCache(100, Duration.ofMinutes(1)).nearCacheMaxLag(LAG)).build(), backend);
    }

    @AfterEach
    void tearDown() throws Exception {
        redis.resume();   // harmless if running
        cached.close();
        backend.close();
        redis.close();
        db.close();
    }

    private String read() {
        return cached.fromCache("near").select(NAME).from(ITEMS).where(ID.eq(3)).fetchOne(NAME);
    }

    @Test
    void aStalledFeedStopsNearHitsWithinTheLag() throws Exception {
        LongSupplier nearHits = () -> cached.stats("near").nearHits();
        awaitNearHit(nearHits);

        redis.pause();
        long pausedAt = System.nanoTime();
        long lastNearHit = -1;
        long nearHitsAfterLag = 0;
        int reads = 0;
        try {
            while (System.nanoTime() - pausedAt < TimeUnit.MILLISECONDS.toNanos(1_000)) {
                long before = nearHits.getAsLong();
                long start = System.nanoTime();
                assertThat(read()).isEqualTo("item 3");
                reads++;
                if (nearHits.getAsLong() > before) {
                    lastNearHit = TimeUnit.NANOSECONDS.toMillis(start - pausedAt);
                    if (start - pausedAt > LAG.toNanos() + TimeUnit.MILLISECONDS.toNanos(2 * io.shardcache.redis.internal.ChangeFeed.HEARTBEAT_MILLIS))
                        nearHitsAfterLag++;
                }
            }
        } finally {
            redis.resume();
        }
        System.out.printf("NearCacheLagIT: with Redis paused, %d reads in 1 s; the last near hit began %d ms after the pause%n",
            reads, lastNearHit);
        assertThat(nearHitsAfterLag).as("near hits that began more than the lag and two heartbeats after Redis stalled").isZero();

        awaitNearHit(nearHits);   // and they come back with the feed
    }

    /**
     * A feed stalled right after its subscription is confirmed, before its first heartbeat: a watcher
     * has still heard how far it caught up (the confirmation's time), so a near cache bounds its lag
     * from the first moment. (Told only by heartbeats, it heard nothing, and a near cache that has
     * never heard such a time applies no bound: it served its copies for the whole stall.)
     */
    @Test
    void theFeedSaysHowFarItCaughtUpWhenItsSubscriptionIsConfirmed() throws Exception {
        RedisCacheBackend own = RedisCacheBackend.builder(redis.uri()).keyPrefix(RedisService.uniquePrefix("NearCacheLagIT.own")).build();
        try {
            java.util.concurrent.CountDownLatch live = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.atomic.AtomicLong caughtUp = new java.util.concurrent.atomic.AtomicLong(Long.MIN_VALUE);
            java.util.concurrent.CountDownLatch caughtUpSaid = new java.util.concurrent.CountDownLatch(1);
            long registered = System.nanoTime();
            own.watch(new io.shardcache.query.spi.CacheBackend.Watcher() {
                @Override
                public void generationChanged(String counter, long value) {
                }

                @Override
                public void entryChanged(String key) {
                }

                @Override
                public void connectionChanged(boolean isLive) {
                    if (isLive && live.getCount() > 0) {
                        try {
                            redis.pause();   // here, on the feed's thread: no heartbeat can be answered after this
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                        live.countDown();
                    }
                }

                @Override
                public void caughtUp(long askedAtNanos) {
                    caughtUp.compareAndSet(Long.MIN_VALUE, askedAtNanos);
                    caughtUpSaid.countDown();
                }
            });
            assertThat(live.await(10, TimeUnit.SECONDS)).as("subscribed").isTrue();
            caughtUpSaid.await(1, TimeUnit.SECONDS);   // whether it was said is asserted next
            assertThat(caughtUp.get()).as("a caught-up time though Redis stalled before any heartbeat")
                .isNotEqualTo(Long.MIN_VALUE).isGreaterThanOrEqualTo(registered);
        } finally {
            redis.resume();
            own.close();
        }
    }

    private void awaitNearHit(LongSupplier nearHits) throws InterruptedException {
        long before = nearHits.getAsLong();
        Eventually.await("a near hit", Duration.ofSeconds(15), () -> {
            if (nearHits.getAsLong() != before)
                return true;
            assertThat(read()).isEqualTo("item 3");
            return false;
        }, () -> cached.stats("near"));
    }
}
