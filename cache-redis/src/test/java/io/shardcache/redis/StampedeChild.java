package io.shardcache.redis;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;

import com.zaxxer.hikari.HikariDataSource;
import io.shardcache.query.CacheKey;
import io.shardcache.query.CachingDSL;
import io.shardcache.query.CountingBackend;
import io.shardcache.query.Db;
import io.shardcache.query.RegionStats;
import io.shardcache.query.Regions;
import io.shardcache.query.spi.CacheListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.DSLContext;
import org.jooq.Record2;
import org.jooq.Result;
import org.jooq.ResultQuery;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * One JVM of {@link MultiJvmStampedeIT}: {@code threads} threads wait on one gate for the parent's
 * {@code GO}, then all read the same cold key through a Redis-backed {@link CachingDSL}.
 *
 * <p>Arguments: {@code name=}, {@code counter=} (the {@code touch} key), {@code threads=},
 * {@code seconds=} (how long the query sleeps in PostgreSQL), {@code commandTimeoutMs=} (Redis). Prints {@code READY <key hash>} once
 * every thread waits at the gate, then {@code RESULT correct= wrong= errors= lockAttempts= ...} (the
 * stampede's counts, without the warm-up's), and exits; stack traces of failed callers go to stderr.
 */
public final class StampedeChild {

    private StampedeChild() {
    }

    static ResultQuery<Record2<String, Integer>> query(DSLContext dsl, String counter, double seconds) {
        return dsl.select(NAME, Db.touchSlow(counter, seconds)).from(ITEMS).where(ID.eq(7));
    }

    static boolean correct(Result<Record2<String, Integer>> rows) {
        return rows.size() == 1 && "item 7".equals(rows.get(0).value1()) && Integer.valueOf(1).equals(rows.get(0).value2());
    }

    /** Backend trouble goes to stderr, which the parent quotes when an assertion fails. */
    static final class StderrListener implements CacheListener {
        private final AtomicInteger printed = new AtomicInteger();

        @Override
        public void error(CacheKey key, Throwable error) {
            if (printed.incrementAndGet() <= 5)
                System.err.println(System.nanoTime() / 1_000_000 + " ms: error on " + key + ": " + error);
        }

        @Override
        public void circuitOpened(String backend, Duration openFor, Throwable cause) {
            System.err.println(System.nanoTime() / 1_000_000 + " ms: circuit opened for " + backend + ": " + cause);
        }
    }

    public static void main(String[] argv) throws Exception {
        ChildSide side = ChildSide.start(argv);
        String name = side.arg("name");
        String counter = side.arg("counter");
        int threads = Integer.parseInt(side.arg("threads"));
        double seconds = Double.parseDouble(side.arg("seconds"));
        Duration commandTimeout = Duration.ofMillis(Long.parseLong(side.arg("commandTimeoutMs")));

        Regions regions = Regions.builder().region("items").build();
        // One connection per JVM is all single flight needs; a few more show it if it does not hold.
        try (HikariDataSource pool = side.pool(4, name);
             RedisCacheBackend redis = RedisCacheBackend.builder(side.redisUri()).keyPrefix(side.prefix())
                 .commandTimeout(commandTimeout).build()) {
            CountingBackend backend = new CountingBackend(redis);
            DSLContext dsl = DSL.using(pool, SQLDialect.POSTGRES);
            CachingDSL cached = CachingDSL.builder(dsl, regions).backend(backend).listener(new StderrListener()).build();

            // Warm up on a key of this JVM's own (class loading, Redis and pool connections), so that
            // the stampede starts from threads that are all ready to go.
            if (!correct(cached.fromCache("items").fetch(query(dsl, "warm-" + name, 0))))
                throw new IllegalStateException("warm-up read returned wrong rows");
            RegionStats before = cached.stats("items");
            String hash = cached.keyOf("items", query(dsl, counter, seconds)).hash();

            ExecutorService callers = Executors.newFixedThreadPool(threads);
            CountDownLatch ready = new CountDownLatch(threads);
            CountDownLatch gate = new CountDownLatch(1);
            List<Future<Result<Record2<String, Integer>>>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++)
                results.add(callers.submit(() -> {
                    ready.countDown();
                    gate.await();
                    return cached.fromCache("items").fetch(query(dsl, counter, seconds));
                }));
            ready.await();
            ChildSide.say("READY " + hash);
            side.awaitCommand("GO", Duration.ofSeconds(60));
            gate.countDown();

            int good = 0;
            int wrong = 0;
            int errors = 0;
            int hung = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (Future<Result<Record2<String, Integer>>> f : results) {
                try {
                    Result<Record2<String, Integer>> rows = f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (correct(rows))
                        good++;
                    else {
                        wrong++;
                        System.err.println("wrong rows: " + rows);
                    }
                } catch (TimeoutException e) {
                    hung++;
                } catch (Exception e) {
                    errors++;
                    e.printStackTrace();
                }
            }
            callers.shutdownNow();
            RegionStats after = cached.stats("items");   // minus the warm-up
            ChildSide.say("RESULT correct=" + good + " wrong=" + wrong + " errors=" + errors + " hung=" + hung
                + " lockAttempts=" + backend.lockAttemptsOn(hash)
                + " regenerations=" + (after.regenerations() - before.regenerations())
                + " hits=" + (after.hits() - before.hits()) + " misses=" + (after.misses() - before.misses())
                + " lockTimeouts=" + (after.lockTimeouts() - before.lockTimeouts())
                + " backendErrors=" + (after.backendErrors() - before.backendErrors()));
            cached.close();
        }
        System.exit(0);
    }
}
