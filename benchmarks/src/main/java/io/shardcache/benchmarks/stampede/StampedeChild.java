package io.shardcache.benchmarks.stampede;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.shardcache.benchmarks.stampede.StampedeOptions.Scheme;
import io.shardcache.query.CacheKey;
import io.shardcache.query.CachingDSL;
import io.shardcache.query.RegionStats;
import io.shardcache.query.spi.CacheListener;
import io.shardcache.redis.RedisCacheBackend;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jooq.DSLContext;
import org.jooq.Result;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * One JVM of a stampede (started by {@link Stampede}, not by hand). It builds what an application
 * would (a HikariCP pool, a Redis backend, a {@link CachingDSL}), warms every code path the
 * stampede will take on keys of its own, parks its caller threads on one latch and prints
 * {@value ChildProcesses#READY}. On {@value ChildProcesses#GO} from its stdin it opens the latch;
 * each caller reads the stampede's key once and records its latency. Then it closes the caching DSL,
 * which waits for background refreshes, prints its {@link ChildResult} and exits.
 *
 * <p>Warm-up, on keys of this child's own, with a 20 ms sleep query: each caller reads key A in the
 * stampede's region and in region {@value StampedeRegions#WARM} {@code warmup} times, one caller at a
 * time (the first misses, the rest hit); all callers miss key B in the stampede's region at once
 * (one flight, one lock acquisition); A in {@value StampedeRegions#WARM} (asyncRefresh) is marked stale
 * and all read it at once (stale rows, one background refresh); after a pause each reads A a few
 * more times. Before READY the counters and the trace are zeroed and the region's statistics noted,
 * so the result holds only the stampede. Redisson's contended lock path is warmed first. Only the stampede region's lock attempts and regenerations are
 * counted, so none of this shows in the result.
 */
public final class StampedeChild {

    private static final int WARM_SLEEP_MS = 20;

    private final ChildSpec spec;

    private StampedeChild(ChildSpec spec) {
        this.spec = spec;
    }

    public static void main(String[] args) {
        int status;
        try {
            status = new StampedeChild(ChildSpec.parse(args)).run();
        } catch (Throwable t) {
            System.err.println("stampede child failed: " + t);
            t.printStackTrace();
            status = 1;
        }
        System.out.flush();
        System.err.flush();
        System.exit(status);   // Redisson and Lettuce keep non-daemon threads
    }

    /** A read of the stampede's key, by one caller. */
    @FunctionalInterface
    private interface Read {
        Result<?> run() throws Exception;
    }

    /** A read of a warm-up key. */
    @FunctionalInterface
    private interface WarmRead {
        Result<?> run(String region, String key) throws Exception;
    }

    private static long backendErrors(CachingDSL cached) {
        return cached.stats(StampedeRegions.STAMPEDE).backendErrors() + cached.stats(StampedeRegions.WARM).backendErrors();
    }

    private int run() throws Exception {
        String pgUrl = env(ChildSpec.ENV_PG_URL);
        String redisUrl = env(ChildSpec.ENV_REDIS_URL);
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(pgUrl);
        hc.setMaximumPoolSize(spec.pool());
        hc.setMinimumIdle(spec.pool());
        hc.setConnectionTimeout(Duration.ofMinutes(5).toMillis());   // the naive scheme queues many callers on few connections
        hc.setPoolName("stampede-child-" + spec.child());
        try (HikariDataSource pool = new HikariDataSource(hc);
             RedisCacheBackend redis = RedisCacheBackend.builder(redisUrl).keyPrefix(spec.redisPrefix()).build()) {
            WarmUp.openEveryConnection(pool, spec.pool());
            StampedeRedis.awaitReachable(redis, "child-" + spec.child(), Duration.ofSeconds(30));
            if (spec.scheme() == Scheme.CACHED)
                WarmUp.contendedLock(redis.locks(), "warm-lock-" + spec.child() + "-");
            DSLContext dsl = DSL.using(pool, SQLDialect.POSTGRES);
            StampedeQuery query = spec.query();
            StampedeQuery.Sleep warmQuery = new StampedeQuery.Sleep(WARM_SLEEP_MS);
            String warmHot = spec.run() + "-warm-" + spec.child();        // read serially, then made stale
            String warmCold = spec.run() + "-warm2-" + spec.child();      // missed by all callers at once
            Object[] binds = query.binds(ChildSpec.counterKey(spec.run()));

            Trace trace = new Trace();
            CountingBackend counting = new CountingBackend(redis, StampedeRegions.STAMPEDE, trace);
            LockWaits lockWaits = new LockWaits(trace);
            CachingDSL cached = null;
            CacheAside aside = null;
            SpringCacheAside spring = null;
            Read stampede;
            WarmRead warm;
            Runnable makeHotEntryStale;
            if (spec.scheme() == Scheme.CACHED) {
                CachingDSL c = CachingDSL.builder(dsl, StampedeRegions.of(spec.mode()))
                    .backend(counting).listener(lockWaits).build();
                cached = c;
                stampede = () -> c.fromCache(StampedeRegions.STAMPEDE).resultQuery(query.sql(), binds).fetch();
                warm = (region, key) -> c.fromCache(region).resultQuery(warmQuery.sql(), warmQuery.binds(key)).fetch();
                makeHotEntryStale = () -> {
                    if (!c.invalidateSoft(StampedeRegions.WARM, dsl.resultQuery(warmQuery.sql(), warmQuery.binds(warmHot))))
                        throw new IllegalStateException("warm-up: the warm entry " + warmHot + " was not in the cache");
                };
            } else if (spec.scheme() == Scheme.SPRING) {
                SpringCacheAside sc = new SpringCacheAside(redisUrl, spec.redisPrefix() + "spring:", dsl, StampedeRegions.TTL);
                spring = sc;
                aside = sc;
                stampede = () -> sc.read(ChildSpec.counterKey(spec.run()), query.sql(), binds);
                warm = (region, key) -> sc.read(region + ":" + key, warmQuery.sql(), warmQuery.binds(key));
                makeHotEntryStale = () -> { };
            } else {
                NaiveCacheAside n = new NaiveCacheAside(redis, dsl, StampedeRegions.TTL);
                aside = n;
                stampede = () -> n.read("naive:" + ChildSpec.counterKey(spec.run()), query.sql(), binds);
                warm = (region, key) -> n.read("naive:" + region + ":" + key, warmQuery.sql(), warmQuery.binds(key));
                makeHotEntryStale = () -> { };
            }
            CachingDSL engine = cached;
            int threads = spec.threads();
            int warmup = spec.warmup();
            CyclicBarrier together = new CyclicBarrier(threads);
            // Serial phases run one caller at a time: 4 JVMs x 50 threads reading in a loop on 2 cores
            // starve the Redis client's event loop past its command timeout; the JIT warms the same code.
            Semaphore oneAtATime = new Semaphore(1);
            AtomicLong lateBackendErrors = new AtomicLong();
            CountDownLatch warmed = new CountDownLatch(threads);
            CountDownLatch go = new CountDownLatch(1);
            AtomicLong goNanos = new AtomicLong();
            long[] latencies = new long[threads];
            long[] startOffsets = new long[threads];
            long[] endEpochMicros = new long[threads];
            List<Throwable> errors = new ArrayList<>();
            Thread[] callers = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                int me = t;
                callers[t] = Thread.ofPlatform().name("caller-" + t).start(() -> {
                    try {
                        oneAtATime.acquire();
                        try {
                            for (int i = 0; i < Math.max(1, warmup); i++) {
                                check(warm.run(StampedeRegions.STAMPEDE, warmHot), warmQuery, "warm-up read");
                                check(warm.run(StampedeRegions.WARM, warmHot), warmQuery, "warm-up read");
                            }
                        } finally {
                            oneAtATime.release();
                        }
                        together.await(2, TimeUnit.MINUTES);
                        check(warm.run(StampedeRegions.STAMPEDE, warmCold), warmQuery, "warm-up miss by all callers");
                        if (together.await(2, TimeUnit.MINUTES) == 0)
                            makeHotEntryStale.run();
                        together.await(2, TimeUnit.MINUTES);
                        check(warm.run(StampedeRegions.WARM, warmHot), warmQuery, "warm-up stale read by all callers");
                        if (together.await(2, TimeUnit.MINUTES) == 0) {
                            // Let the background refresh land, and a circuit that warm-up errors opened close again.
                            Thread.sleep(CachingDSL.DEFAULT_CIRCUIT_BREAKER_OPEN_FOR.toMillis() + 200);
                            if (engine != null)
                                lateBackendErrors.set(-backendErrors(engine));
                        }
                        together.await(2, TimeUnit.MINUTES);
                        oneAtATime.acquire();
                        try {
                            for (int i = 0; i < Math.min(warmup, 5); i++)
                                check(warm.run(StampedeRegions.STAMPEDE, warmHot), warmQuery, "warm-up hit");
                        } finally {
                            oneAtATime.release();
                        }
                    } catch (Throwable e) {
                        fatal("warm-up of caller " + me + " failed", e);
                    }
                    warmed.countDown();
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        fatal("caller " + me + " interrupted before GO", e);
                    }
                    long start = System.nanoTime();
                    try {
                        check(stampede.run(), query, "stampede read");
                        latencies[me] = (System.nanoTime() - start) / 1000;
                    } catch (Throwable e) {
                        latencies[me] = -1;
                        synchronized (errors) {
                            errors.add(e);
                        }
                    }
                    startOffsets[me] = start - goNanos.get();
                    endEpochMicros[me] = Trace.nowMicros();
                });
            }
            if (!warmed.await(5, TimeUnit.MINUTES))
                throw new IllegalStateException("warm-up did not finish within 5 minutes");
            RegionStats before = null;
            if (cached != null) {
                // The warm-up used the stampede's region too (on other keys): count only what follows.
                before = cached.stats(StampedeRegions.STAMPEDE);
                counting.reset();
                lockWaits.reset();
                trace.reset();
                long all = backendErrors(cached);
                long late = all + lateBackendErrors.get();
                if (late > 0)
                    System.err.println("warm-up: " + late + " backend errors in its last phase (" + all + " in all):"
                        + " Redis answers slower than the command timeout; the stampede may query the database directly");
                else if (all > 0)
                    System.err.println("warm-up: " + all + " backend errors while it warmed up (Redis slower than the command"
                        + " timeout on this loaded machine), none in its last phase");
            }
            if (aside != null)
                aside.reset();
            settle();
            System.out.println(ChildProcesses.READY);
            System.out.flush();

            BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line = stdin.readLine();
            if (line == null) {
                System.err.println("the parent closed stdin before " + ChildProcesses.GO + "; exiting");
                return 3;
            }
            if (!line.trim().equals(ChildProcesses.GO))
                throw new IllegalStateException("expected " + ChildProcesses.GO + " on stdin, got '" + line + "'");
            com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            long cpuAtGo = os.getProcessCpuTime();
            goNanos.set(System.nanoTime());
            trace.add("go");
            go.countDown();
            for (Thread t : callers)
                t.join();
            long cpuUs = (os.getProcessCpuTime() - cpuAtGo) / 1000;
            trace.add("first_caller_done", Arrays.stream(endEpochMicros).min().orElse(0));
            trace.add("last_caller_done", Arrays.stream(endEpochMicros).max().orElse(0));

            long drainStart = System.nanoTime();
            if (cached != null)
                cached.close();   // waits for the background refresh, so it is counted before the parent reads the counter
            long drainUs = (System.nanoTime() - drainStart) / 1000;
            reportErrors(errors);

            long[] ok = Arrays.stream(latencies).filter(l -> l >= 0).toArray();
            long startMax = Arrays.stream(startOffsets).max().orElse(0) / 1000;
            ChildResult result;
            if (cached != null) {
                RegionStats s = cached.stats(StampedeRegions.STAMPEDE);
                result = new ChildResult(spec.child(), threads, errors.size(), counting.tryAcquires(), counting.acquires(),
                    s.regenerations() - before.regenerations(), s.hits() - before.hits(),
                    s.staleServed() - before.staleServed(), s.misses() - before.misses(),
                    s.backendErrors() - before.backendErrors(), s.lockTimeouts() - before.lockTimeouts(),
                    counting.reads(), s.coalescedReads() - before.coalescedReads(), startMax, drainUs, cpuUs, lockWaits.micros(), ok, trace.events());
            } else {
                CacheAside a = java.util.Objects.requireNonNull(aside, "the comparison scheme");
                result = new ChildResult(spec.child(), threads, errors.size(), 0, 0, a.executions(),
                    a.hits(), 0, a.misses(), 0, 0, 0, 0, startMax, drainUs, cpuUs, new long[0], ok, trace.events());
                if (spring != null)
                    spring.close();
            }
            System.out.println(result.format());
            System.out.flush();
            return 0;
        }
    }

    private static void check(Result<?> rows, StampedeQuery query, String what) {
        if (rows.size() != query.expectedRows())
            throw new IllegalStateException(what + ": expected " + query.expectedRows() + " rows from " + query.spec()
                + ", got " + rows.size());
    }

    /**
     * Lets the JVM go quiet before READY: the warm-up leaves the JIT compiling in the background, and
     * 4 JVMs compiling on 2 cores delayed GO by up to 90 ms and inflated the callers' latencies with
     * work that is not the stampede's. Collects garbage, then waits (at most 10 s) until no
     * compilation ran for 300 ms.
     */
    private static void settle() throws InterruptedException {
        System.gc();
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported())
            return;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long last = jit.getTotalCompilationTime();
        int quietRounds = 0;
        while (quietRounds < 3 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            long now = jit.getTotalCompilationTime();
            quietRounds = now == last ? quietRounds + 1 : 0;
            last = now;
        }
    }

    /** Every distinct error message once, with the first stack trace; the parent counts them. */
    private void reportErrors(List<Throwable> errors) {
        if (errors.isEmpty())
            return;
        Map<String, Integer> distinct = new LinkedHashMap<>();
        for (Throwable e : errors)
            distinct.merge(String.valueOf(e), 1, Integer::sum);
        System.err.println(errors.size() + " of " + spec.threads() + " callers failed:");
        distinct.forEach((message, n) -> System.err.println("  " + n + " x " + message));
        errors.getFirst().printStackTrace();
    }

    private static void fatal(String what, Throwable e) {
        System.err.println(what + ": " + e);
        e.printStackTrace();
        System.err.flush();
        System.exit(1);
    }

    private static String env(String name) {
        String v = System.getenv(name);
        if (v == null || v.isEmpty())
            throw new IllegalStateException("environment variable " + name + " is not set: a stampede child is started by"
                + " 'shardcache-benchmarks.jar stampede', not by hand");
        return v;
    }

    /** The engine's lock waits and regenerations for the stampede region. */
    private static final class LockWaits implements CacheListener {
        private final ConcurrentLinkedQueue<Long> micros = new ConcurrentLinkedQueue<>();
        private final Trace trace;

        LockWaits(Trace trace) {
            this.trace = trace;
        }

        @Override
        public void lockWaited(CacheKey key, Duration waited, io.shardcache.query.spi.LockWaitOutcome outcome) {
            if (key.region().equals(StampedeRegions.STAMPEDE))
                micros.add(waited.toNanos() / 1000);
        }

        @Override
        public void regenerated(CacheKey key, Duration took) {
            if (key.region().equals(StampedeRegions.STAMPEDE))
                trace.add("regenerated_in_" + took.toMillis() + "ms");
        }

        long[] micros() {
            return micros.stream().mapToLong(Long::longValue).toArray();
        }

        void reset() {
            micros.clear();
        }
    }
}
