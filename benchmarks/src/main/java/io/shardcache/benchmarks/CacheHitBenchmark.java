package io.shardcache.benchmarks;

import io.shardcache.query.CachedQuery;
import io.shardcache.query.CachingDSL;
import io.shardcache.query.RegionStats;
import io.shardcache.query.Regions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.ResultQuery;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.jooq.tools.jdbc.MockConnection;
import org.jooq.tools.jdbc.MockResult;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What one cache hit costs next to the query it saves, in one run:
 * <ul>
 *   <li>{@code directFetch}: a one-row primary-key select on PostgreSQL through a HikariCP pool;</li>
 *   <li>{@code inProcessHit}: the same statement through {@code cached.fromCache("r")}, served from
 *       the in-process (Caffeine) backend; the entry is filled in setup and is never missed after;</li>
 *   <li>{@code keyOnly}: {@code cached.keyOf("r", query)}: render, bind capture, key digests and
 *       the entry's name, without reading the entry;</li>
 *   <li>{@code renderOnly}: {@code dsl.render(query)}: jOOQ's own rendering, for scale;</li>
 *   <li>{@code jooqFloor}: the same {@code fetchOne()} on jOOQ's {@link MockConnection}, which answers
 *       with the row fetched in setup: what jOOQ itself spends to render, execute and build a record
 *       with no database and no cache. No cache that serves rows underneath jOOQ (at the JDBC
 *       level, as shardcache does) can be faster than this.</li>
 *   <li>{@code directFetchReused} and {@code inProcessHitReused}: the same two reads with the query
 *       object built once and kept ({@code keepStatement(true)}), the reuse jOOQ's manual recommends
 *       for hot queries: jOOQ then re-binds without rendering again, on the database's prepared
 *       statement or on shardcache's cached-read statement. Re-binding by name costs jOOQ a walk of
 *       the query ({@code rebindOnly}); {@code ...FixedBinds} is the same kept query without it.</li>
 *   <li>{@code preparedHit}: the same read prepared once with {@code cached.prepare("r", query)} and
 *       called with the id: the key is digested from the bind value after the SQL's pre-fed prefix
 *       and the record is built from the cached row, without jOOQ's render/execute path; it is served
 *       from the very entry {@code inProcessHit} reads. {@code preparedKeyOnly} is its key alone.</li>
 * </ul>
 * Every method builds its query the same way, so the differences are what each adds. One id (one
 * key) throughout: this is the hit path, not the cache's hit ratio.
 *
 * <p>Setup fails the run if the warm entry is not served as a hit, and teardown fails it if any
 * read through the cache missed during the measurement, so the figure is a hit's and nothing else.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
// A fixed heap keeps GC sizing out of the comparison; the jOOQ banner and pool chatter are noise here.
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dorg.jooq.no-logo=true", "-Dorg.jooq.no-tips=true",
    "-Dorg.slf4j.simpleLogger.log.com.zaxxer.hikari=warn"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 1)
public class CacheHitBenchmark {

    static final String REGION = "r";
    static final long ID = 4_242;

    private BenchDatabase db;
    private RowsTable rows;
    private DSLContext dsl;
    private CachingDSL cached;
    private DSLContext fromCache;
    private DSLContext mock;
    private org.jooq.CloseableResultQuery<Record> directReused;
    private org.jooq.CloseableResultQuery<Record> cachedReused;
    private CachedQuery<Record> prepared;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        db = new BenchDatabase(2);
        try {
            rows = db.rows();
            dsl = db.dsl();
            cached = CachingDSL.wrap(dsl, Regions.builder().region(REGION, r -> r.ttl(Duration.ofHours(1))).build());
            fromCache = cached.fromCache(REGION);
            System.out.println("# " + db.describeServer() + "; schema " + db.schema() + ", " + BenchDatabase.ROWS + " rows");
            warmAndCheck();
            directReused = reusable(dsl);
            cachedReused = reusable(fromCache);
            if (!directReused.fetchOne().equals(cachedReused.fetchOne()))
                throw new IllegalStateException("the reused cached query answers another row than the database");
            prepared = cached.prepare(REGION, dsl.selectFrom(rows).where(rows.ID.eq(DSL.param("id", Long.class))));
            RegionStats before = cached.stats(REGION);
            Record preparedHit = prepared.fetchOne(ID);
            RegionStats after = cached.stats(REGION);
            if (!directReused.fetchOne().equals(preparedHit) || after.hits() != before.hits() + 1 || after.misses() != before.misses())
                throw new IllegalStateException("the prepared read is not a hit on the same entry with the database's row: "
                    + preparedHit + ", before " + before + ", after " + after);
        } catch (Exception | Error e) {
            try {
                release();
            } catch (Exception | Error suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Fills the entry, then proves the next read is a hit with the same row as the database's. */
    private void warmAndCheck() {
        Record live = query(dsl).fetchOne();
        if (live == null)
            throw new IllegalStateException("no row with id " + ID + " in " + db.schema());
        query(fromCache).fetchOne();
        RegionStats filled = cached.stats(REGION);
        if (filled.misses() != 1 || filled.stored() != 1)
            throw new IllegalStateException("the first cached read should miss once and store once: " + filled);
        Record hit = query(fromCache).fetchOne();
        RegionStats afterHit = cached.stats(REGION);
        if (afterHit.hits() != filled.hits() + 1 || afterHit.misses() != filled.misses())
            throw new IllegalStateException("the second cached read is not a hit: before " + filled + ", after " + afterHit);
        if (!live.equals(hit))
            throw new IllegalStateException("the cached row " + hit + " differs from the database's " + live);
        System.out.println("# key " + cached.keyOf(REGION, query(dsl)).describe());

        Result<Record> row = query(dsl).fetch();
        mock = DSL.using(new MockConnection(ctx -> new MockResult[] {new MockResult(1, row)}), SQLDialect.POSTGRES);
        if (!live.equals(query(mock).fetchOne()))
            throw new IllegalStateException("the mock connection does not answer with the live row");
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        RegionStats stats = cached.stats(REGION);
        System.out.println("# region stats after the trial: " + stats);
        release();
        if (stats.misses() != 1)
            throw new IllegalStateException("reads through the cache missed during the trial: " + stats);
    }

    /** Closes the cache, then drops the schema and closes the pool, even if closing the cache fails. */
    private void release() throws Exception {
        if (directReused != null)
            directReused.close();
        if (cachedReused != null)
            cachedReused.close();
        try {
            if (cached != null)
                cached.close();
        } finally {
            cached = null;
            if (db != null)
                db.close();
            db = null;
        }
    }

    private ResultQuery<Record> query(DSLContext ctx) {
        return ctx.selectFrom(rows).where(rows.ID.eq(ID));
    }

    /** The query built once, with a named parameter, its statement kept between executions. */
    private org.jooq.CloseableResultQuery<Record> reusable(DSLContext ctx) {
        return ctx.selectFrom(rows).where(rows.ID.eq(DSL.param("id", ID))).keepStatement(true);
    }

    @Benchmark
    public void directFetchReused(Blackhole bh) {
        bh.consume(directReused.bind("id", ID).fetchOne());
    }

    @Benchmark
    public void inProcessHitReused(Blackhole bh) {
        bh.consume(cachedReused.bind("id", ID).fetchOne());
    }

    /** A kept query whose binds do not change between calls (a fixed report, a dashboard count). */
    @Benchmark
    public void inProcessHitReusedFixedBinds(Blackhole bh) {
        bh.consume(cachedReused.fetchOne());
    }

    @Benchmark
    public void directFetchReusedFixedBinds(Blackhole bh) {
        bh.consume(directReused.fetchOne());
    }

    /** jOOQ's {@code bind(name, value)} alone: it looks the parameter up by walking the query. */
    @Benchmark
    public void rebindOnly(Blackhole bh) {
        bh.consume(directReused.bind("id", ID));
    }

    @Benchmark
    public void directFetch(Blackhole bh) {
        bh.consume(query(dsl).fetchOne());
    }

    @Benchmark
    public void inProcessHit(Blackhole bh) {
        bh.consume(query(fromCache).fetchOne());
    }

    /** The same read prepared once ({@code cached.prepare}): a hit without jOOQ's render/execute path. */
    @Benchmark
    public void preparedHit(Blackhole bh) {
        bh.consume(prepared.fetchOne(ID));
    }

    /** The prepared read's key alone: digests of the bind values after the SQL's pre-fed prefix. */
    @Benchmark
    public void preparedKeyOnly(Blackhole bh) {
        bh.consume(prepared.keyOf(ID));
    }

    @Benchmark
    public void keyOnly(Blackhole bh) {
        bh.consume(cached.keyOf(REGION, query(dsl)));
    }

    @Benchmark
    public void renderOnly(Blackhole bh) {
        bh.consume(dsl.render(query(dsl)));
    }

    @Benchmark
    public void jooqFloor(Blackhole bh) {
        bh.consume(query(mock).fetchOne());
    }
}
