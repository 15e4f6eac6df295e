package io.shardcache.benchmarks;

import io.shardcache.query.CachingDSL;
import io.shardcache.query.QueryPool;
import io.shardcache.query.RegionStats;
import io.shardcache.query.Regions;
import io.shardcache.redis.RedisCacheBackend;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.TestServices;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.ResultQuery;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * A batch of {@code fromCache} primary-key reads that are all Redis hits, three ways, in one run:
 * <ul>
 *   <li>{@code oneByOne}: {@code fetch()} after {@code fetch()}, one round trip each;</li>
 *   <li>{@code virtualThreads}: each {@code fetch()} on a virtual thread of its own, all at once: what
 *       a pool without a batch lookup does (one round trip each, overlapped);</li>
 *   <li>{@code queryPool}: {@code QueryPool.fetchAll}: the batch's entries read in one {@code MGET},
 *       then each query served on its virtual thread with no round trip of its own.</li>
 * </ul>
 * Every call builds its queries anew, as an application does. Setup proves that a batch is served
 * as hits with the database's rows; teardown fails the run if any read missed.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dorg.jooq.no-logo=true", "-Dorg.jooq.no-tips=true",
    "-Dorg.slf4j.simpleLogger.log.com.zaxxer.hikari=warn", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 1)
public class QueryPoolBenchmark {

    static final String REGION = "r";

    @Param({"6", "24"})
    public int batch;

    private BenchDatabase db;
    private RowsTable rows;
    private RedisCacheBackend backend;
    private CachingDSL cached;
    private QueryPool pool;
    private ExecutorService threads;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        RedisService redis = TestServices.redis();
        db = new BenchDatabase(8);
        rows = db.rows();
        DSLContext dsl = db.dsl();
        String prefix = RedisService.uniquePrefix("QueryPoolBenchmark");
        backend = RedisCacheBackend.builder(redis.uri()).keyPrefix(prefix).build();
        cached = CachingDSL.wrap(dsl, Regions.builder().region(REGION, r -> r.ttl(Duration.ofHours(1))).build(), backend);
        pool = QueryPool.of(8);
        threads = Executors.newVirtualThreadPerTaskExecutor();
        System.out.println("# " + db.describeServer() + "; Redis " + redis.address() + ", key prefix " + prefix);

        List<Result<Record>> live = new ArrayList<>();
        for (ResultQuery<Record> q : queries(dsl))
            live.add(q.fetch());
        pool.fetchAll(queries(cached.fromCache(REGION))).forEach(QueryPool.Outcome::result);
        RegionStats filled = cached.stats(REGION);
        List<QueryPool.Outcome<Record>> again = pool.fetchAll(queries(cached.fromCache(REGION)));
        RegionStats after = cached.stats(REGION);
        for (int i = 0; i < batch; i++)
            if (!again.get(i).result().equals(live.get(i)))
                throw new IllegalStateException("query " + i + " of the batch is not served the database's rows");
        if (filled.misses() != batch || after.hits() != filled.hits() + batch)
            throw new IllegalStateException("the batch is not served as hits: " + after);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        RegionStats stats = cached.stats(REGION);
        System.out.println("# region stats after the trial: " + stats);
        try {
            threads.close();
            cached.invalidate(REGION);
            cached.close();
            backend.close();
        } finally {
            db.close();
        }
        if (stats.misses() != batch)
            throw new IllegalStateException("reads through the cache missed during the trial: " + stats);
    }

    private List<ResultQuery<Record>> queries(DSLContext ctx) {
        List<ResultQuery<Record>> out = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++)
            out.add(ctx.selectFrom(rows).where(rows.ID.eq(1_000L + i)));
        return out;
    }

    @Benchmark
    public void oneByOne(Blackhole bh) {
        for (ResultQuery<Record> q : queries(cached.fromCache(REGION)))
            bh.consume(q.fetch());
    }

    @Benchmark
    public void virtualThreads(Blackhole bh) throws Exception {
        List<Future<Result<Record>>> running = new ArrayList<>(batch);
        for (ResultQuery<Record> q : queries(cached.fromCache(REGION)))
            running.add(threads.submit(() -> q.fetch()));
        for (Future<Result<Record>> f : running)
            bh.consume(f.get());
    }

    @Benchmark
    public void queryPool(Blackhole bh) {
        for (QueryPool.Outcome<Record> o : pool.fetchAll(queries(cached.fromCache(REGION))))
            bh.consume(o.result());
    }
}
