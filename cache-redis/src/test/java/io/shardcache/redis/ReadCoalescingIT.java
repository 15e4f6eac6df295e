package io.shardcache.redis;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardcache.query.CachingDSL;
import io.shardcache.query.Db;
import io.shardcache.query.Regions;
import io.shardcache.query.spi.CacheBackend;
import io.shardcache.query.spi.ForwardingCacheBackend;
import io.shardcache.testing.Eventually;
import io.shardcache.testing.Gate;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Read coalescing on Redis and PostgreSQL: a hot key's concurrent readers in one JVM share backend reads, and
 * a reader that began after a write this JVM committed never shares a read sent before it. The backend's
 * reads are counted, and one can be held on its way, by a wrapper around a real {@link RedisCacheBackend}.
 */
@ExtendWith(ServicesExtension.class)
class ReadCoalescingIT {

    private final Regions regions = Regions.builder().region("items").build();
    private RedisService redis;
    private String prefix;
    private Db db;
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    /** Counts reads; holds the first read after {@link #holdNext()} until {@link #release}. */
    static final class HeldReads extends ForwardingCacheBackend {
        final AtomicInteger reads = new AtomicInteger();
        final AtomicBoolean holding = new AtomicBoolean();
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        HeldReads(CacheBackend delegate) {
            super(delegate);
        }

        void holdNext() {
            holding.set(true);
        }

        @Override
        public Read read(String region, String key, List<String> counters) {
            reads.incrementAndGet();
            if (holding.compareAndSet(true, false)) {
                held.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return super.read(region, key, counters);
        }
    }

    @BeforeEach
    void setUp(RedisService redis, TestSchema schema, TestInfo test) throws Exception {
        this.redis = redis;
        this.prefix = RedisService.uniquePrefix(getClass().getSimpleName() + "." + test.getTestMethod().orElseThrow().getName());
        this.db = new Db(schema, 8);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeLater.reversed())
            c.close();
        db.close();
        try (RawRedis raw = new RawRedis(redis)) {
            raw.deleteAll(prefix);
        }
    }

    private HeldReads backend() {
        RedisCacheBackend redisBackend = RedisCacheBackend.builder(redis.uri()).keyPrefix(prefix).build();
        closeLater.add(redisBackend);
        return new HeldReads(redisBackend);
    }

    private CachingDSL cached(CacheBackend backend) {
        CachingDSL cached = CachingDSL.wrap(db.dsl, regions, backend);
        closeLater.add(cached);
        return cached;
    }

    private static String name(CachingDSL cached) {
        return cached.fromCache("items").select(NAME).from(ITEMS).where(ID.eq(7)).fetchOne(NAME);
    }

    @Test
    void fiftyReadersOfAHotKeyInOneJvmShareOneOrTwoBackendReads() throws Exception {
        HeldReads backend = backend();
        CachingDSL cached = cached(backend);
        assertThat(name(cached)).isEqualTo("item 7");   // stored
        assertThat(name(cached)).isEqualTo("item 7");   // a hit
        backend.reads.set(0);
        backend.holdNext();

        int readers = 50;
        List<Future<String>> names = new ArrayList<>();
        CompletableFuture<Void> all = CompletableFuture.runAsync(() -> {
            try {
                names.addAll(Gate.run(readers, i -> name(cached)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(backend.held.await(30, TimeUnit.SECONDS)).isTrue();
        // Every reader joins the held read (it began before that read was sent) or the one after it.
        Eventually.await("the other readers joined a read", Duration.ofSeconds(30),
            () -> cached.stats("items").coalescedReads() >= readers - 2);
        Thread.sleep(100);
        backend.release.countDown();
        all.get(30, TimeUnit.SECONDS);

        for (Future<String> n : names)
            assertThat(n.get()).isEqualTo("item 7");
        long coalesced = cached.stats("items").coalescedReads();
        System.out.println(readers + " readers of one key: " + backend.reads.get() + " backend reads, " + coalesced
            + " shared");
        assertThat(backend.reads.get()).as("backend reads for %d readers", readers).isBetween(1, 2);
        assertThat(backend.reads.get() + coalesced).isEqualTo(readers);
        assertThat(cached.stats("items").hits()).isEqualTo(1 + readers);
    }

    @Test
    void aReaderThatBeganAfterAWriteThisJvmCommittedDoesNotShareAReadSentBeforeIt() throws Exception {
        HeldReads backend = backend();
        CachingDSL cached = cached(backend);
        assertThat(name(cached)).isEqualTo("item 7");
        backend.holdNext();
        CompletableFuture<String> before = CompletableFuture.supplyAsync(() -> name(cached));
        assertThat(backend.held.await(30, TimeUnit.SECONDS)).as("a read of the old entry is on its way").isTrue();

        cached.dsl().update(ITEMS).set(NAME, "renamed").where(ID.eq(7)).execute();
        CompletableFuture<String> after = CompletableFuture.supplyAsync(() -> name(cached));
        Thread.sleep(200);
        assertThat(after).as("it waits for the read on its way to land, and reads again").isNotDone();
        backend.release.countDown();

        assertThat(after.get(30, TimeUnit.SECONDS)).isEqualTo("renamed");
        assertThat(before.get(30, TimeUnit.SECONDS)).isIn("item 7", "renamed");   // it began before the write
        assertThat(cached.stats("items").coalescedReads()).as("nothing shared").isZero();
        assertThat(name(cached)).isEqualTo("renamed");
    }
}
