package io.shardcache.benchmarks;

import io.shardcache.query.CachedQuery;
import io.shardcache.query.CachingDSL;
import io.shardcache.query.RegionStats;
import io.shardcache.query.Regions;
import io.shardcache.redis.RedisCacheBackend;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.TestServices;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jooq.Record;
import org.jooq.impl.DSL;

/**
 * {@code throughput}: Redis-region hits per second at 1, 8, 64 and 512 concurrent callers, on platform and on
 * virtual threads, next to {@code redis-benchmark -t get} at the same concurrency and payload when it is on the
 * PATH. The callers read random rows of 1,000 (so that read coalescing, which would serve a single hot key
 * without Redis, does not flatter the figure) through one prepared read of a {@link RedisCacheBackend}.
 */
public final class ThroughputBenchmark {

    static final int KEYS = 1_000;

    private ThroughputBenchmark() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        int seconds = 3;
        try {
            for (CommandLine.Option o : CommandLine.options(args, Set.of(), "--seconds 3")) {
                if (!o.name().equals("--seconds"))
                    throw new IllegalArgumentException("unknown option " + o.name() + "; see --help");
                seconds = CommandLine.intIn(o.name(), o.value(), 1, 600);
            }
        } catch (CommandLine.HelpRequested h) {
            out.println("usage: throughput [--seconds N]   (measured seconds per concurrency and thread kind; default 3)");
            return 0;
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        RedisService redis = TestServices.redis();
        String prefix = RedisService.uniquePrefix("throughput");
        try (BenchDatabase db = new BenchDatabase(4);
             RedisCacheBackend backend = RedisCacheBackend.builder(redis.uri()).keyPrefix(prefix).build();
             CachingDSL cached = CachingDSL.wrap(db.dsl(), Regions.builder().region("r", r -> r.ttl(Duration.ofHours(1))).build(),
                 backend)) {
            RowsTable rows = db.rows();
            CachedQuery<Record> byId = cached.prepare("r", db.dsl().selectFrom(rows).where(rows.ID.eq(DSL.param("id", Long.class))));
            for (long id = 1; id <= KEYS; id++)
                byId.fetchOne(id);   // stored
            int payload = entryBytes(redis, prefix);
            out.println(db.describeServer() + "; Redis " + redis.address() + "; " + KEYS + " entries of " + payload + " bytes");
            out.println("callers  threads   hits/s  shared | redis-benchmark -t get -d " + payload + " requests/s | ratio"
                + "   (shared: hits that shared another caller's Redis read)");
            RegionStats before = cached.stats("r");
            for (int callers : new int[] {1, 8, 64, 512})
                for (boolean virtual : new boolean[] {false, true}) {
                    measure(byId, callers, virtual, 1);   // warm-up
                    RegionStats at = cached.stats("r");
                    double hits = measure(byId, callers, virtual, seconds);
                    RegionStats then = cached.stats("r");
                    double shared = (then.coalescedReads() - at.coalescedReads()) / (double) Math.max(1, then.hits() - at.hits());
                    Double reference = virtual ? null : redisBenchmark(redis, callers, payload, hits, seconds, err);
                    out.printf(Locale.ROOT, "%7d  %-8s %9.0f  %5.1f%% | %s%n", callers, virtual ? "virtual" : "platform", hits,
                        100 * shared, reference == null ? (virtual ? "" : "(redis-benchmark not run)")
                            : String.format(Locale.ROOT, "%9.0f | %.2f", reference, hits / reference));
                }
            RegionStats after = cached.stats("r");
            out.println("misses during the runs: " + (after.misses() - before.misses()) + "; coalesced: "
                + (after.coalescedReads() - before.coalescedReads()));
        } finally {
            try (RawKeys raw = new RawKeys(redis)) {
                raw.deleteAll(prefix);
            }
        }
        return 0;
    }

    /** Hits per second of {@code callers} threads reading random rows for {@code seconds}. */
    private static double measure(CachedQuery<Record> byId, int callers, boolean virtual, int seconds) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong reads = new AtomicLong();
        CountDownLatch started = new CountDownLatch(callers);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            SplittableRandom random = new SplittableRandom(i);
            Runnable loop = () -> {
                started.countDown();
                long n = 0;
                while (!stop.get()) {
                    if (byId.fetchOne(1L + random.nextInt(KEYS)) == null)
                        throw new IllegalStateException("a row is missing");
                    n++;
                }
                reads.addAndGet(n);
            };
            threads.add(virtual ? Thread.ofVirtual().start(loop) : Thread.ofPlatform().start(loop));
        }
        started.await();
        long begin = System.nanoTime();
        long at = reads.get();
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        long nanos = System.nanoTime() - begin;
        for (Thread t : threads)
            t.join();
        return (reads.get() - at) * 1e9 / nanos;
    }

    /**
     * {@code redis-benchmark -t get} at {@code callers} connections with {@code payload}-byte values, about as many
     * requests as the cache served in {@code seconds}; null if it is not on the PATH or fails.
     */
    private static Double redisBenchmark(RedisService redis, int callers, int payload, double hitsPerSecond, int seconds,
                                         PrintStream err) {
        long requests = Math.max(10_000, (long) (hitsPerSecond * seconds));
        List<String> command = List.of("redis-benchmark", "-h", redis.host(), "-p", Integer.toString(redis.port()), "-t", "get",
            "-c", Integer.toString(callers), "-n", Long.toString(requests), "-d", Integer.toString(payload), "--csv");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String result = null;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; )
                    if (line.startsWith("\"GET\""))
                        result = line;
            }
            if (p.waitFor() != 0 || result == null)
                return null;
            return Double.parseDouble(result.split(",")[1].replace("\"", ""));
        } catch (java.io.IOException e) {
            err.println("redis-benchmark not run: " + e.getMessage());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The size of one stored entry, read back from Redis. */
    private static int entryBytes(RedisService redis, String prefix) {
        try (RawKeys raw = new RawKeys(redis)) {
            return raw.firstEntrySize(prefix);
        }
    }

    /** A plain Lettuce connection for setup and cleanup. */
    private static final class RawKeys implements AutoCloseable {
        private final io.lettuce.core.RedisClient client;
        private final io.lettuce.core.api.StatefulRedisConnection<String, byte[]> connection;

        RawKeys(RedisService redis) {
            client = io.lettuce.core.RedisClient.create(redis.uri());
            connection = client.connect(io.lettuce.core.codec.RedisCodec.of(io.lettuce.core.codec.StringCodec.UTF8,
                io.lettuce.core.codec.ByteArrayCodec.INSTANCE));
        }

        int firstEntrySize(String prefix) {
            for (String key : connection.sync().keys(prefix + "r:*")) {
                byte[] value = connection.sync().get(key);
                if (value != null)
                    return value.length;
            }
            throw new IllegalStateException("no entry under " + prefix + "r:*");
        }

        void deleteAll(String prefix) {
            List<String> keys = connection.sync().keys(prefix + "*");
            if (!keys.isEmpty())
                connection.sync().unlink(keys.toArray(String[]::new));
        }

        @Override
        public void close() {
            connection.close();
            client.shutdown();
        }
    }
}
