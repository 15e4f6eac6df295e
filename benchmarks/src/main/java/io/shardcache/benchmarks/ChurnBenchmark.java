package io.shardcache.benchmarks;

import io.shardcache.query.CachingDSL;
import io.shardcache.query.RegionStats;
import io.shardcache.query.Regions;
import io.shardcache.redis.RedisCacheBackend;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.TestServices;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.jooq.DSLContext;

/**
 * {@code churn}: reads per second on a table that is written faster than its entries are read again, through
 * Redis regions with and without the churn bypass, next to the same reads straight from PostgreSQL. Two
 * caching DSLs, each with its own {@link RedisCacheBackend} on one key prefix, stand for two JVMs; each has
 * {@code --readers} threads reading one of {@code --keys} rows by primary key, while one writer updates a
 * random row every {@code --write-ms} through the first. Then the writes stop and the cached reads go on
 * for a while, to show the hits coming back.
 */
public final class ChurnBenchmark {

    private ChurnBenchmark() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        int keys = 50;
        int readers = 8;
        int writeMs = 100;
        int seconds = 5;
        try {
            for (CommandLine.Option o : CommandLine.options(args, Set.of(), "--seconds 5")) {
                switch (o.name()) {
                    case "--keys" -> keys = CommandLine.intIn(o.name(), o.value(), 1, 10_000);
                    case "--readers" -> readers = CommandLine.intIn(o.name(), o.value(), 1, 256);
                    case "--write-ms" -> writeMs = CommandLine.intIn(o.name(), o.value(), 1, 60_000);
                    case "--seconds" -> seconds = CommandLine.intIn(o.name(), o.value(), 1, 3600);
                    default -> throw new IllegalArgumentException("unknown option " + o.name() + "; see --help");
                }
            }
        } catch (CommandLine.HelpRequested h) {
            out.println("""
                usage: churn [--keys N] [--readers N] [--write-ms N] [--seconds N]
                  --keys      rows read, by primary key (default 50)
                  --readers   reader threads per caching DSL; there are two (default 8)
                  --write-ms  one update of a random row every this many ms (default 100)
                  --seconds   length of each measured phase (default 5)""");
            return 0;
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        RedisService redis = TestServices.redis();
        try (BenchDatabase db = new BenchDatabase(2 * readers + 2)) {
            out.println(db.describeServer());
            out.printf(Locale.ROOT, "%d keys, 2 x %d readers, one write every %d ms, %d s per phase; each phase is run"
                + " twice, in the order below and then again, after %d s of warm-up%n", keys, readers, writeMs, seconds,
                seconds);
            phase(db, keys, readers, writeMs, seconds, i -> db.dsl(), null);   // warm-up: JIT, pools, PostgreSQL's caches
            double[] plain = new double[2];
            double[] down = new double[2];
            double[] off = new double[2];
            double[] on = new double[2];
            for (int round = 0; round < 2; round++) {
                out.println("round " + (round + 1));
                Phase p = phase(db, keys, readers, writeMs, seconds, i -> db.dsl(), null);
                out.println(p.line("database, plain jOOQ"));
                plain[round] = p.readsPerSecond();
                // The cache bypassed as an outage bypasses it: Redis unreachable, the circuit open, every read passing
                // through the caching DSL to the database.
                try (RedisCacheBackend dead = RedisCacheBackend.builder("redis://127.0.0.1:" + freePort())
                         .commandTimeout(java.time.Duration.ofMillis(50)).build();
                     CachingDSL c = CachingDSL.builder(db.dsl(), Regions.builder().region("rows").build()).backend(dead)
                         .circuitBreaker(1, java.time.Duration.ofHours(1)).build()) {
                    Phase d = phase(db, keys, readers, writeMs, seconds, i -> c.fromCache("rows"), c);
                    out.println(d.line("caching DSL, Redis down") + "  " + delta(List.of(c), null));
                    down[round] = d.readsPerSecond();
                }
                for (boolean bypass : new boolean[] {false, true}) {
                    String prefix = RedisService.uniquePrefix("churn");
                    try (RedisCacheBackend a = RedisCacheBackend.builder(redis.uri()).keyPrefix(prefix).build();
                         RedisCacheBackend b = RedisCacheBackend.builder(redis.uri()).keyPrefix(prefix).build();
                         CachingDSL ca = cached(db, a, bypass);
                         CachingDSL cb = cached(db, b, bypass)) {
                        List<CachingDSL> both = List.of(ca, cb);
                        Phase churn = phase(db, keys, readers, writeMs, seconds, i -> both.get(i % 2).fromCache("rows"), ca);
                        out.println(churn.line("Redis regions, churnBypass(" + bypass + ")") + "  " + delta(both, null));
                        (bypass ? on : off)[round] = churn.readsPerSecond();
                        List<RegionStats> at = List.of(ca.stats("rows"), cb.stats("rows"));
                        Phase quiet = phase(db, keys, readers, 0, seconds, i -> both.get(i % 2).fromCache("rows"), null);
                        out.println(quiet.line("  then no writes") + "  " + delta(both, at));
                    }
                }
            }
            out.printf(Locale.ROOT, "reads/s under churn, mean of the two rounds: plain jOOQ %.0f, Redis down %.0f,"
                + " cache without bypass %.0f, cache with churnBypass %.0f%n", mean(plain), mean(down), mean(off), mean(on));
            out.printf(Locale.ROOT, "with the cache / with it bypassed by an outage: %.2f (target >= 1); / plain jOOQ: %.2f;"
                + " without the churn bypass / Redis down: %.2f%n", mean(on) / mean(down), mean(on) / mean(plain),
                mean(off) / mean(down));
        }
        return 0;
    }

    private static double mean(double[] values) {
        return java.util.Arrays.stream(values).average().orElse(0);
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static CachingDSL cached(BenchDatabase db, RedisCacheBackend backend, boolean bypass) {
        return CachingDSL.builder(db.dsl(), Regions.builder().region("rows", r -> r.churnBypass(bypass)).build())
            .backend(backend).build();
    }

    private static String delta(List<CachingDSL> both, List<RegionStats> since) {
        long hits = 0;
        long misses = 0;
        long outdated = 0;
        long churned = 0;
        long coalesced = 0;
        for (int i = 0; i < both.size(); i++) {
            RegionStats s = both.get(i).stats("rows");
            RegionStats z = since != null ? since.get(i) : RegionStats.of(java.util.Map.of());
            hits += s.hits() - z.hits();
            misses += s.misses() - z.misses();
            outdated += s.outdatedEntries() - z.outdatedEntries();
            churned += s.skippedChurn() - z.skippedChurn();
            coalesced += s.coalescedReads() - z.coalescedReads();
        }
        return "hits=" + hits + " misses=" + misses + " outdated=" + outdated + " skipped_churn=" + churned
            + " coalesced=" + coalesced;
    }

    private record Phase(long reads, long nanos, long writes) {
        double readsPerSecond() {
            return reads * 1e9 / nanos;
        }

        String line(String what) {
            return String.format(Locale.ROOT, "%-32s %,9.0f reads/s  (%d reads, %d writes)", what, readsPerSecond(), reads,
                writes);
        }
    }

    /** Runs 2 x {@code readers} threads for {@code seconds}, each reading through {@code dslOf.apply(its index)}. */
    private static Phase phase(BenchDatabase db, int keys, int readers, int writeMs, int seconds,
                               IntFunction<DSLContext> dslOf, CachingDSL writeThrough) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong reads = new AtomicLong();
        AtomicLong writes = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2 * readers; t++) {
            DSLContext dsl = dslOf.apply(t);
            SplittableRandom random = new SplittableRandom(t);
            threads.add(Thread.ofPlatform().name("reader-" + t).start(() -> {
                while (!stop.get()) {
                    long id = 1 + random.nextInt(keys);
                    String name = dsl.select(db.rows().NAME).from(db.rows()).where(db.rows().ID.eq(id)).fetchOne(db.rows().NAME);
                    if (name == null)
                        throw new IllegalStateException("row " + id + " missing");
                    reads.incrementAndGet();
                }
            }));
        }
        if (writeMs > 0) {
            DSLContext writer = writeThrough != null ? writeThrough.dsl() : db.dsl();
            threads.add(Thread.ofPlatform().name("writer").start(() -> {
                SplittableRandom random = new SplittableRandom(99);
                for (long n = 0; !stop.get(); n++) {
                    long id = 1 + random.nextInt(keys);
                    writer.update(db.rows()).set(db.rows().NAME, "row " + id + " v" + n).where(db.rows().ID.eq(id)).execute();
                    writes.incrementAndGet();
                    try {
                        Thread.sleep(writeMs);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }));
        }
        long start = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        long nanos = System.nanoTime() - start;
        for (Thread t : threads)
            t.join();
        return new Phase(reads.get(), nanos, writes.get());
    }
}
