package io.shardcache.redis;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardcache.query.CachingDSL;
import io.shardcache.query.Db;
import io.shardcache.query.RegionStats;
import io.shardcache.query.Regions;
import io.shardcache.testing.Eventually;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.jooq.Record3;
import org.jooq.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Redis dies under load (SIGKILL, on a server of this test's own) and comes back empty on the same
 * port, while threads keep reading several keys through a Redis-backed {@link CachingDSL} with the
 * default {@code OnBackendFailure.QUERY_DATABASE}: no caller sees an exception, every caller gets
 * the database's rows, and hits resume once Redis is back.
 */
@ExtendWith(ServicesExtension.class)
class RedisKilledIT {

    private static final int KEYS = 5;
    private static final int READERS = 6;
    private static final Duration BOUND = Duration.ofSeconds(10);

    private final Regions regions = Regions.builder().region("items").build();
    private String prefix;
    private Db db;
    private KillableRedis redis;
    private RedisCacheBackend backend;
    private CachingDSL cached;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> readers = new ArrayList<>();
    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong wrong = new AtomicLong();
    private final Queue<Throwable> errors = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void setUp(TestSchema schema, TestInfo test) throws Exception {
        this.prefix = RedisService.uniquePrefix(getClass().getSimpleName() + "." + test.getTestMethod().orElseThrow().getName());
        this.db = new Db(schema, 16);
        this.redis = KillableRedis.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        stop.set(true);
        for (Thread t : readers)
            t.join(TimeUnit.SECONDS.toMillis(10));
        if (cached != null)
            cached.close();
        if (backend != null)
            backend.close();
        if (redis != null)
            redis.close();   // the whole server, keys and all: it was this test's alone
        if (db != null)
            db.close();
    }

    private Result<Record3<Integer, String, Integer>> read(int id) {
        return cached.fromCache("items").select(ID, NAME, Db.touch("k" + id)).from(ITEMS).where(ID.eq(id)).fetch();
    }

    @Test
    void readersGetTheDatabasesRowsWhileRedisIsKilledAndHitsResumeWhenItComesBack() throws Exception {
        Map<Integer, String> truth = db.dsl.select(ID, NAME).from(ITEMS).where(ID.le(KEYS)).fetchMap(ID, NAME);
        assertThat(truth).hasSize(KEYS);
        backend = RedisCacheBackend.builder(redis.uri()).keyPrefix(prefix).build();   // defaults: 200 ms command timeout
        cached = CachingDSL.wrap(db.dsl, regions, backend);
        for (int r = 0; r < READERS; r++) {
            int first = r;
            readers.add(Thread.ofPlatform().name("reader-" + r).start(() -> {
                for (long n = first; !stop.get(); n++) {
                    int id = 1 + (int) (n % KEYS);
                    try {
                        Result<Record3<Integer, String, Integer>> rows = read(id);
                        if (rows.size() != 1 || !Integer.valueOf(id).equals(rows.get(0).value1())
                            || !truth.get(id).equals(rows.get(0).value2()) || !Integer.valueOf(1).equals(rows.get(0).value3()))
                            wrong.incrementAndGet();
                    } catch (Throwable t) {
                        errors.add(t);
                    }
                    reads.incrementAndGet();
                    try {
                        Thread.sleep(2);   // a steady load, not a busy loop on two cores
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }));
        }

        LongSupplier hits = () -> cached.stats("items").hits();
        awaitAtLeast("hits while Redis is up", hits, 100);
        assertThat(db.executions("k1")).as("executions of one key while Redis is up").isEqualTo(1);

        redis.kill();
        long killedAt = System.nanoTime();
        RegionStats atKill = cached.stats("items");
        long readsAtKill = reads.get();
        // Keep reading through the outage for a while: first calls time out or are refused, then the circuit opens.
        awaitAtLeast("reads while Redis is down", reads::get, readsAtKill + 300);
        Thread.sleep(Math.max(0, 1500 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt)));
        RegionStats down = cached.stats("items");
        long readsDown = reads.get() - readsAtKill;
        int executionsDown = executionsOfAllKeys();

        redis.launch();   // same port, empty
        long restartedAt = System.nanoTime();
        RegionStats atRestart = cached.stats("items");
        long resumedAfter = awaitAtLeast("hits after Redis came back", hits, atRestart.hits() + 100);

        stop.set(true);
        for (Thread t : readers) {
            t.join(BOUND.toMillis());
            assertThat(t.isAlive()).as("%s still busy %s s after being told to stop: a caller hangs", t.getName(), BOUND.toSeconds()).isFalse();
        }
        RegionStats end = cached.stats("items");
        System.out.printf("RedisKilledIT: reads=%d; while down (%d ms): reads=%d, backendErrors=%d, hits=%d, DB executions so far=%d;"
                + " hits again %d ms after restart; total: hits=%d misses=%d regenerations=%d stored=%d backendErrors=%d; errors=%d wrong=%d%n",
            reads.get(), TimeUnit.NANOSECONDS.toMillis(restartedAt - killedAt), readsDown, down.backendErrors() - atKill.backendErrors(),
            down.hits() - atKill.hits(), executionsDown, resumedAfter, end.hits(), end.misses(), end.regenerations(), end.stored(),
            end.backendErrors(), errors.size(), wrong.get());

        assertThat(errors).as("exceptions that reached callers").isEmpty();
        assertThat(wrong.get()).as("callers that got rows other than the database's").isZero();
        assertThat(down.backendErrors() - atKill.backendErrors()).as("the outage was noticed").isPositive();
        assertThat(readsDown).as("reads served while Redis was down").isGreaterThanOrEqualTo(300);

        // Every key is cached again: one more read of each is a hit and runs nothing.
        int executions = executionsOfAllKeys();
        long hitsBefore = hits.getAsLong();
        for (int id = 1; id <= KEYS; id++)
            assertThat(read(id).get(0).value2()).isEqualTo(truth.get(id));
        assertThat(hits.getAsLong() - hitsBefore).as("hits on every key after the restart").isEqualTo(KEYS);
        assertThat(executionsOfAllKeys()).isEqualTo(executions);
    }

    private int executionsOfAllKeys() throws Exception {
        int sum = 0;
        for (int id = 1; id <= KEYS; id++)
            sum += db.executions("k" + id);
        return sum;
    }

    /** Waits until {@code value} reaches {@code target}, at most {@link #BOUND}; returns the ms it took. */
    private long awaitAtLeast(String what, LongSupplier value, long target) throws InterruptedException {
        long start = System.nanoTime();
        Eventually.await(what + ": " + target, BOUND, () -> value.getAsLong() >= target,
            () -> value.getAsLong() + "; stats " + cached.stats("items") + "; exceptions " + errors.size()
                + (errors.isEmpty() ? "" : ", first: " + errors.peek()));
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }
}
