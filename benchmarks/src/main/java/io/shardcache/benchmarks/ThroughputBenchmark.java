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
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
 *
 * <p>Each line also gives the CPU each hit cost this JVM (all its threads, JIT and GC included) and the Redis
 * server, and the same for the Redis server under {@code redis-benchmark}: on a machine with few cores, hits per
 * second times CPU per hit shows whether the cores, not Redis or the connection, set the ceiling.
 * {@code --connections 1,2} runs the table once per count of {@link RedisCacheBackend.Builder#readConnections}:
 * the connections (each with its own event loop thread) the hits are spread over.
 */
public final class ThroughputBenchmark {

    static final int KEYS = 1_000;

    private ThroughputBenchmark() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        int seconds = 3;
        List<Integer> connections = List.of(1);
        try {
            for (CommandLine.Option o : CommandLine.options(args, Set.of(), "--seconds 3 --connections 1,2")) {
                switch (o.name()) {
                    case "--seconds" -> seconds = CommandLine.intIn(o.name(), o.value(), 1, 600);
                    case "--connections" -> {
                        List<Integer> counts = new ArrayList<>();
                        for (String c : o.value().split(",", -1))
                            counts.add(CommandLine.intIn(o.name(), c.trim(), 1, 16));
                        connections = counts;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + o.name() + "; see --help");
                }
            }
        } catch (CommandLine.HelpRequested h) {
            out.println("usage: throughput [--seconds N] [--connections N[,N...]]");
            out.println("  --seconds N          measured seconds per concurrency and thread kind (1..600); default 3");
            out.println("  --connections LIST   run the table once per count of read connections of the backend");
            out.println("                       (RedisCacheBackend.Builder.readConnections, 1..16 each); default 1");
            return 0;
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        RedisService redis = TestServices.redis();
        String prefix = RedisService.uniquePrefix("throughput");
        try (BenchDatabase db = new BenchDatabase(4)) {
            RowsTable rows = db.rows();
            Map<Integer, Reference> references = new HashMap<>();   // by callers: redis-benchmark runs for the first table only
            for (int count : connections) {
                try (RedisCacheBackend backend = RedisCacheBackend.builder(redis.uri()).keyPrefix(prefix).readConnections(count).build();
                     CachingDSL cached = CachingDSL.wrap(db.dsl(), Regions.builder().region("r", r -> r.ttl(Duration.ofHours(1))).build(),
                         backend)) {
                    CachedQuery<Record> byId = cached.prepare("r", db.dsl().selectFrom(rows).where(rows.ID.eq(DSL.param("id", Long.class))));
                    for (long id = 1; id <= KEYS; id++)
                        byId.fetchOne(id);   // stored, or a hit left by the previous table
                    int payload = entryBytes(redis, prefix);
                    out.println(db.describeServer() + "; Redis " + redis.address() + "; " + KEYS + " entries of " + payload
                        + " bytes; " + count + " read connection" + (count == 1 ? "" : "s"));
                    out.println("callers  threads   hits/s  shared  cpu/hit: jvm  redis | redis-benchmark -t get -d " + payload
                        + " requests/s  redis cpu/request | ratio");
                    Totals before = Totals.of(cached);
                    int measured = seconds;
                    for (int callers : new int[] {1, 8, 64, 512})
                        for (boolean virtual : new boolean[] {false, true}) {
                            measure(byId, callers, virtual, 1);   // warm-up
                            Totals at = Totals.of(cached);
                            Cpu cpu = Cpu.now();
                            double hitsPerSecond = measure(byId, callers, virtual, seconds);
                            Totals then = Totals.of(cached);
                            Cpu.PerOp used = cpu.perOp(then.hits() - at.hits());
                            double shared = (then.coalesced() - at.coalesced()) / (double) Math.max(1, then.hits() - at.hits());
                            Reference reference = references.computeIfAbsent(callers,
                                c -> redisBenchmark(redis, c, payload, hitsPerSecond, measured, err));
                            out.printf(Locale.ROOT, "%7d  %-8s %9.0f  %5.1f%%  %6.1f µs %5.1f µs | %s%n", callers,
                                virtual ? "virtual" : "platform", hitsPerSecond, 100 * shared, used.jvmMicros(), used.redisMicros(),
                                reference.describe(hitsPerSecond));
                        }
                    Totals after = Totals.of(cached);
                    out.println("misses during the runs: " + (after.misses() - before.misses()) + "; coalesced: "
                        + (after.coalesced() - before.coalesced()));
                }
            }
        } finally {
            try (RawKeys raw = new RawKeys(redis)) {
                raw.deleteAll(prefix);
            }
        }
        return 0;
    }

    /** Region "r"'s counters. */
    private record Totals(long hits, long misses, long coalesced) {
        static Totals of(CachingDSL cached) {
            RegionStats s = cached.stats("r");
            return new Totals(s.hits(), s.misses(), s.coalescedReads());
        }
    }

    /** This JVM's CPU and the Redis server's at one instant. */
    private record Cpu(long jvmNanos, long redisMicros) {
        record PerOp(double jvmMicros, double redisMicros) {
        }

        static Cpu now() {
            return new Cpu(((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime(),
                CpuProfiler.redisCpuMicros());
        }

        /** The CPU used since this instant, per one of {@code ops} operations; Redis' is NaN if it could not be read. */
        PerOp perOp(long ops) {
            Cpu then = now();
            double n = Math.max(1, ops);
            return new PerOp((then.jvmNanos - jvmNanos) / 1_000.0 / n,
                redisMicros < 0 || then.redisMicros < 0 ? Double.NaN : (then.redisMicros - redisMicros) / n);
        }
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
    /** What {@code redis-benchmark} achieved at one concurrency: requests per second and the server's CPU per request. */
    private record Reference(double requestsPerSecond, double redisMicros) {
        static final Reference NOT_RUN = new Reference(Double.NaN, Double.NaN);

        String describe(double hitsPerSecond) {
            return Double.isNaN(requestsPerSecond) ? "(redis-benchmark not run)"
                : String.format(Locale.ROOT, "%9.0f  %5.1f µs | %.2f", requestsPerSecond, redisMicros, hitsPerSecond / requestsPerSecond);
        }
    }

    private static Reference redisBenchmark(RedisService redis, int callers, int payload, double hitsPerSecond, int seconds,
                                            PrintStream err) {
        long requests = Math.max(10_000, (long) (hitsPerSecond * seconds));
        long redisBefore = CpuProfiler.redisCpuMicros();
        Double requestsPerSecond = redisBenchmarkRate(redis, callers, payload, requests, err);
        long redisAfter = CpuProfiler.redisCpuMicros();
        if (requestsPerSecond == null)
            return Reference.NOT_RUN;
        return new Reference(requestsPerSecond, redisBefore < 0 || redisAfter < 0 ? Double.NaN : (redisAfter - redisBefore) / (double) requests);
    }

    private static Double redisBenchmarkRate(RedisService redis, int callers, int payload, long requests, PrintStream err) {
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
