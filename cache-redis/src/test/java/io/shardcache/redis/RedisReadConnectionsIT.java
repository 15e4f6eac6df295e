package io.shardcache.redis;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardcache.query.CachingDSL;
import io.shardcache.query.Db;
import io.shardcache.query.RegionStats;
import io.shardcache.query.Regions;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code readConnections(n)}: reads spread over n connections, counted by Redis itself ({@code CLIENT LIST}), while
 * writes stay on the first; a reader never misses a write that returned before its read began, whichever connection
 * either went through.
 */
@ExtendWith(ServicesExtension.class)
class RedisReadConnectionsIT {

    static final int CONNECTIONS = 3;

    private RedisService redis;
    private String prefix;
    private Db db;
    private RawRedis raw;

    @BeforeEach
    void setUp(RedisService redis, TestSchema schema, TestInfo test) throws Exception {
        this.redis = redis;
        this.prefix = RedisService.uniquePrefix(getClass().getSimpleName() + "." + test.getTestMethod().orElseThrow().getName());
        this.db = new Db(schema, 8);
        this.raw = new RawRedis(redis);
    }

    @AfterEach
    void tearDown() {
        db.close();
        raw.deleteAll(prefix);
        raw.close();
    }

    /** The ids of the server's client connections whose last command was {@code command}. */
    private Set<Long> connectionsLastRunning(String command, Set<Long> among) {
        Set<Long> out = new HashSet<>();
        for (String line : raw.commands().clientList().split("\r?\n")) {
            long id = -1;
            String cmd = "";
            for (String field : line.split(" ")) {
                if (field.startsWith("id="))
                    id = Long.parseLong(field.substring(3));
                if (field.startsWith("cmd="))
                    cmd = field.substring(4);
            }
            if (cmd.equals(command) && among.contains(id))
                out.add(id);
        }
        return out;
    }

    private Set<Long> clientIds() {
        Set<Long> out = new HashSet<>();
        for (String line : raw.commands().clientList().split("\r?\n"))
            for (String field : line.split(" "))
                if (field.startsWith("id="))
                    out.add(Long.parseLong(field.substring(3)));
        return out;
    }

    /** Platform threads, not started, that run {@code work}: {@code perResidue} of each thread id modulo {@code n} in {@code residues}. */
    private static List<Thread> threads(Set<Long> residues, int n, int perResidue, Runnable work) {
        Map<Long, Integer> made = new HashMap<>();
        List<Thread> out = new ArrayList<>();
        while (residues.stream().anyMatch(r -> made.getOrDefault(r, 0) < perResidue)) {
            Thread t = Thread.ofPlatform().unstarted(work);
            long r = t.threadId() % n;
            if (residues.contains(r) && made.getOrDefault(r, 0) < perResidue) {
                made.merge(r, 1, Integer::sum);
                out.add(t);
            }
        }
        return out;
    }

    private static void runAll(List<Thread> threads) throws InterruptedException {
        for (Thread t : threads)
            t.start();
        for (Thread t : threads)
            t.join();
    }

    @Test
    void eachThreadsReadsKeepToOneConnectionAndThreadsSpreadOverAll() throws Exception {
        Set<Long> before = clientIds();
        try (RedisCacheBackend backend = RedisCacheBackend.builder(redis.uri()).keyPrefix(prefix).readConnections(CONNECTIONS).build();
             CachingDSL cached = CachingDSL.wrap(db.dsl, Regions.builder().region("items").build(), backend)) {
            Runnable reads = () -> {
                for (int i = 0; i < 30; i++)
                    assertThat(cached.fromCache("items").select(NAME).from(ITEMS).where(ID.eq(7)).fetchOne(NAME)).isEqualTo("item 7");
            };
            // Threads whose ids are all 1 modulo 3: their reads (the miss's included) go to one connection; the
            // store and its announcement go to the first; the third runs nothing after its handshake.
            runAll(threads(Set.of(1L), CONNECTIONS, 4, reads));
            Set<Long> mine = clientIds();
            mine.removeAll(before);
            Set<Long> oneResidue = connectionsLastRunning("mget", mine);
            // Then threads of every residue: every read connection runs MGETs.
            runAll(threads(Set.of(0L, 1L, 2L), CONNECTIONS, 2, reads));
            Set<Long> everyResidue = connectionsLastRunning("mget", mine);

            System.out.println("backend's connections " + mine + "; last ran MGET after threads of one residue " + oneResidue
                + ", after threads of each " + everyResidue + "; " + cached.stats("items"));
            assertThat(oneResidue).hasSize(1);
            assertThat(everyResidue).hasSize(CONNECTIONS);
            RegionStats stats = cached.stats("items");
            assertThat(stats.hits() + stats.misses()).isEqualTo(30L * (4 + 6));
            assertThat(stats.regenerations()).isEqualTo(1);
        }
    }

    /**
     * Generated writes and reads on 4 threads: each thread renames its own rows through the caching DSL (which bumps
     * the table's generation on the first connection) and reads them back at once through the cache (on any of the
     * connections), and must get what it wrote; a fifth thread reads every row and must never get a name older than
     * the last rename that returned before its read began.
     */
    @Test
    void aReadOnAnyConnectionSeesEveryWriteThatReturnedBeforeIt() throws Exception {
        int threads = 4;
        int rowsPerThread = 5;
        int rounds = 150;
        int[] lastReturned = new int[threads * rowsPerThread + 1];   // by row id: the round of its last returned rename
        try (RedisCacheBackend backend = RedisCacheBackend.builder(redis.uri()).keyPrefix(prefix).readConnections(4).build();
             CachingDSL cached = CachingDSL.wrap(db.dsl, Regions.builder().region("items", r -> r.churnBypass(false)).build(), backend);
             ExecutorService pool = Executors.newFixedThreadPool(threads + 1)) {
            CountDownLatch go = new CountDownLatch(1);
            AtomicInteger writersLeft = new AtomicInteger(threads);
            AtomicInteger checked = new AtomicInteger();
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = 1 + t * rowsPerThread;
                done.add(pool.submit(() -> {
                    go.await();
                    SplittableRandom random = new SplittableRandom(first);
                    try {
                        for (int round = 1; round <= rounds; round++) {
                            int id = first + random.nextInt(rowsPerThread);
                            if (random.nextInt(3) > 0) {
                                String name = "row " + id + " round " + round;
                                cached.dsl().update(ITEMS).set(NAME, name).where(ID.eq(id)).execute();
                                synchronized (lastReturned) {
                                    lastReturned[id] = round;
                                }
                            }
                            String live = db.dsl.select(NAME).from(ITEMS).where(ID.eq(id)).fetchOne(NAME);
                            String read = cached.fromCache("items").select(NAME).from(ITEMS).where(ID.eq(id)).fetchOne(NAME);
                            assertThat(read).as("row %d in round %d", id, round).isEqualTo(live);
                        }
                    } finally {
                        writersLeft.decrementAndGet();
                    }
                    return null;
                }));
            }
            done.add(pool.submit(() -> {
                go.await();
                SplittableRandom random = new SplittableRandom(99);
                while (writersLeft.get() > 0) {
                    int id = 1 + random.nextInt(threads * rowsPerThread);
                    int returned;
                    synchronized (lastReturned) {
                        returned = lastReturned[id];
                    }
                    String read = cached.fromCache("items").select(NAME).from(ITEMS).where(ID.eq(id)).fetchOne(NAME);
                    int round = read.startsWith("row ") ? Integer.parseInt(read.substring(read.lastIndexOf(' ') + 1)) : 0;
                    assertThat(round).as("row %d read as '%s' after the rename of round %d returned", id, read, returned)
                        .isGreaterThanOrEqualTo(returned);
                    checked.incrementAndGet();
                }
                return null;
            }));
            go.countDown();
            for (Future<?> f : done)
                f.get();
            System.out.println("reader checked " + checked.get() + " reads; " + cached.stats("items"));
            assertThat(checked.get()).isGreaterThan(50);
            assertThat(cached.stats("items").hits()).isPositive();
        }
    }

    @Test
    void aCountOutsideOneToTheMostIsRefusedByName() {
        assertThatThrownBy(() -> RedisCacheBackend.builder(redis.uri()).readConnections(0))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("readConnections must be between 1 and 64, got 0");
        assertThatThrownBy(() -> RedisCacheBackend.builder(redis.uri()).readConnections(65))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("readConnections must be between 1 and 64, got 65");
        assertThatThrownBy(() -> RedisCacheBackend.builder(redis.uri()).readConnections(2).readConnections(3))
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("readConnections is already set to 2");
    }
}
