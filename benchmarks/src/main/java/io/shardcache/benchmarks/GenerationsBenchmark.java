package io.shardcache.benchmarks;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.shardcache.query.CachedQuery;
import io.shardcache.query.CachingDSL;
import io.shardcache.query.RegionStats;
import io.shardcache.query.Regions;
import io.shardcache.query.spi.CacheBackend;
import io.shardcache.query.spi.ForwardingCacheBackend;
import io.shardcache.redis.RedisCacheBackend;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.TestServices;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Record4;
import org.jooq.ResultQuery;
import org.jooq.impl.DSL;
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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What table generations and the near cache do to a hit, in one run, on one query and one data set:
 * <ul>
 *   <li>{@code redisHit}: {@code fromCache("gens")} hit on a {@link RedisCacheBackend}, in a region with
 *       table generations (the default): its one {@code MGET} reads the region's two counters, the
 *       table's counter, the unknown-write counter and the entry;</li>
 *   <li>{@code redisHitNoTableGenerations}: the same in region {@code "nogens"}
 *       ({@code tableGenerations(false)}): the {@code MGET} reads the two region counters and the
 *       entry; the baseline;</li>
 *   <li>{@code redisHitPrepared}, {@code redisHitPreparedNoTableGenerations}: the same two through
 *       {@code cached.prepare(region, …).fetchOne(id)};</li>
 *   <li>{@code joinRedisHit}, {@code joinRedisHitNoTableGenerations}: a join of two tables, whose
 *       hit reads two table counters plus the unknown-write counter, against none;</li>
 *   <li>{@code nearHit}, {@code nearHitPrepared}: region {@code "near"}, table generations and a
 *       near cache in front of the same Redis: a hit makes no round trip;</li>
 *   <li>{@code inProcessHit}: the same query on the in-process backend, for reference.</li>
 * </ul>
 * Setup proves, for every method, that it is served as a hit with the database's row, that each
 * region reads the counters it should (a write makes a {@code "gens"} entry a miss and leaves a
 * {@code "nogens"} entry a hit; a recording backend shows the counters each hit asks for), and that
 * the near cache serves ({@code nearHits} grows). Teardown fails the trial if anything missed,
 * regenerated, or (near cache) went to Redis during it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dorg.jooq.no-logo=true", "-Dorg.jooq.no-tips=true",
    "-Dorg.slf4j.simpleLogger.log.com.zaxxer.hikari=warn", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 1)
public class GenerationsBenchmark {

    static final String GENS = "gens";
    static final String NO_GENS = "nogens";
    static final String NEAR = "near";
    static final String LOCAL = "local";
    static final long ID = 4_242;
    /** Long enough that no entry and no near copy expires during a trial. */
    static final Duration TTL = Duration.ofHours(1);

    /** The counters a hit of each read should check (sorted, as TableCounters sorts them; scope ""). */
    static final List<String> SINGLE_COUNTERS = List.of("table:|*", "table:|rows");
    static final List<String> JOIN_COUNTERS = List.of("table:|*", "table:|details", "table:|rows");

    private BenchDatabase db;
    private RowsTable rows;
    private DetailsTable details;
    private DSLContext dsl;
    private String prefix;
    private RedisCacheBackend backend;
    private CachingDSL cached;
    private CachingDSL local;
    private DSLContext fromGens;
    private DSLContext fromNoGens;
    private DSLContext fromNear;
    private DSLContext fromLocal;
    private CachedQuery<Record> preparedGens;
    private CachedQuery<Record> preparedNoGens;
    private CachedQuery<Record> preparedNear;
    private RedisClient client;
    private StatefulRedisConnection<String, String> raw;
    private RedisCommands<String, String> commands;
    private Map<String, RegionStats> afterSetup;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        RedisService redis = TestServices.redis();
        db = new BenchDatabase(2);
        rows = db.rows();
        details = DetailsTable.create(db);
        dsl = db.dsl();
        prefix = RedisService.uniquePrefix("GenerationsBenchmark");
        client = RedisClient.create(redis.uri());
        raw = client.connect();
        commands = raw.sync();
        backend = RedisCacheBackend.builder(redis.uri()).keyPrefix(prefix).build();
        cached = CachingDSL.wrap(dsl, regions(), backend);
        local = CachingDSL.wrap(dsl, Regions.builder().region(LOCAL, r -> r.ttl(TTL)).build());
        fromGens = cached.fromCache(GENS);
        fromNoGens = cached.fromCache(NO_GENS);
        fromNear = cached.fromCache(NEAR);
        fromLocal = local.fromCache(LOCAL);
        preparedGens = cached.prepare(GENS, byParam(dsl));
        preparedNoGens = cached.prepare(NO_GENS, byParam(dsl));
        preparedNear = cached.prepare(NEAR, byParam(dsl));
        System.out.println("# " + db.describeServer() + "; Redis " + redis.address() + ", key prefix " + prefix);

        Record row = single(dsl).fetchOne();
        Record join = join(dsl).fetchOne();
        if (row == null || join == null)
            throw new IllegalStateException("no row " + ID + " in " + db.schema());

        // Every counter a hit reads then holds a value, as in a database that has seen writes: a plain-SQL
        // write of unknown tables bumps the unknown-write counter, the typed ones each table's.
        cached.dsl().execute("update \"" + db.schema() + "\".details set note = note where row_id = 0");
        cached.dsl().update(rows).set(rows.NAME, rows.NAME).where(rows.ID.eq(0L)).execute();
        cached.dsl().update(details).set(details.NOTE, details.NOTE).where(details.ROW_ID.eq(0L)).execute();

        expect(Outcome.MISS, cached, GENS, row, () -> single(fromGens).fetchOne());
        expect(Outcome.MISS, cached, NO_GENS, row, () -> single(fromNoGens).fetchOne());
        expect(Outcome.MISS, cached, NEAR, row, () -> single(fromNear).fetchOne());
        expect(Outcome.MISS, cached, GENS, join, () -> join(fromGens).fetchOne());
        expect(Outcome.MISS, cached, NO_GENS, join, () -> join(fromNoGens).fetchOne());
        expect(Outcome.MISS, local, LOCAL, row, () -> single(fromLocal).fetchOne());
        // prepared reads share the entries of fromCache: their first call is already a hit
        expect(Outcome.HIT, cached, GENS, row, () -> preparedGens.fetchOne(ID));
        expect(Outcome.HIT, cached, NO_GENS, row, () -> preparedNoGens.fetchOne(ID));

        // The regions differ as intended: a write to rows outdates what reads rows in "gens" and "near",
        // not in "nogens"; a write to details outdates only the join in "gens".
        cached.dsl().update(rows).set(rows.NAME, rows.NAME).where(rows.ID.eq(ID)).execute();
        expect(Outcome.OUTDATED, cached, GENS, row, () -> single(fromGens).fetchOne());
        expect(Outcome.OUTDATED, cached, GENS, join, () -> join(fromGens).fetchOne());
        expect(Outcome.OUTDATED, cached, NEAR, row, () -> single(fromNear).fetchOne());
        expect(Outcome.HIT, cached, NO_GENS, row, () -> single(fromNoGens).fetchOne());
        expect(Outcome.HIT, cached, NO_GENS, join, () -> join(fromNoGens).fetchOne());
        cached.dsl().update(details).set(details.NOTE, details.NOTE).where(details.ROW_ID.eq(ID)).execute();
        expect(Outcome.OUTDATED, cached, GENS, join, () -> join(fromGens).fetchOne());
        expect(Outcome.HIT, cached, GENS, row, () -> single(fromGens).fetchOne());
        expect(Outcome.HIT, cached, NO_GENS, join, () -> join(fromNoGens).fetchOne());

        checkCounters(row, join);

        // What each benchmark method reads, once more, as a hit (the near ones from the near cache).
        expect(Outcome.HIT, cached, GENS, row, () -> single(fromGens).fetchOne());
        expect(Outcome.HIT, cached, NO_GENS, row, () -> single(fromNoGens).fetchOne());
        expect(Outcome.HIT, cached, GENS, row, () -> preparedGens.fetchOne(ID));
        expect(Outcome.HIT, cached, NO_GENS, row, () -> preparedNoGens.fetchOne(ID));
        expect(Outcome.HIT, cached, GENS, join, () -> join(fromGens).fetchOne());
        expect(Outcome.HIT, cached, NO_GENS, join, () -> join(fromNoGens).fetchOne());
        expect(Outcome.HIT, local, LOCAL, row, () -> single(fromLocal).fetchOne());
        awaitNearHit(row, () -> single(fromNear).fetchOne());
        awaitNearHit(row, () -> preparedNear.fetchOne(ID));

        afterSetup = snapshot();
        System.out.println("# region stats after setup: " + afterSetup);
    }

    @TearDown(Level.Trial)
    public void tearDown(BenchmarkParams params) throws Exception {
        Map<String, RegionStats> after = snapshot();
        System.out.println("# region stats after the trial: " + after);
        try {
            RedisKeys.deleteUnder(commands, prefix);
            raw.close();
            client.shutdown();
            local.close();
            cached.close();
            backend.close();
        } finally {
            db.close();
        }
        List<String> problems = new ArrayList<>();
        after.forEach((region, s) -> {
            RegionStats b = afterSetup.get(region);
            if (s.misses() != b.misses() || s.regenerations() != b.regenerations() || s.stored() != b.stored()
                || s.staleServed() != b.staleServed() || s.outdatedEntries() != b.outdatedEntries()
                || s.backendErrors() != b.backendErrors() || s.rejectedEntries() != b.rejectedEntries())
                problems.add(region + ": not every read was a fresh hit (after setup " + b + ", now " + s + ")");
            if (region.equals(NEAR) && s.hits() - s.nearHits() != b.hits() - b.nearHits())
                problems.add(region + ": " + ((s.hits() - s.nearHits()) - (b.hits() - b.nearHits()))
                    + " hits went to Redis instead of the near cache");
        });
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        String region = regionOf(method);
        if (after.get(region).hits() <= afterSetup.get(region).hits())
            problems.add(method + " counted no hits in region " + region);
        if (!problems.isEmpty())
            throw new IllegalStateException("the trial of " + method + " did not measure hits only: " + problems);
    }

    private static String regionOf(String method) {
        if (method.startsWith("near"))
            return NEAR;
        if (method.startsWith("inProcess"))
            return LOCAL;
        return method.endsWith("NoTableGenerations") ? NO_GENS : GENS;
    }

    private static Regions regions() {
        return Regions.builder()
            .region(GENS, r -> r.ttl(TTL))
            .region(NO_GENS, r -> r.ttl(TTL).tableGenerations(false))
            .region(NEAR, r -> r.ttl(TTL).nearCache(1_000, TTL))
            .build();
    }

    private ResultQuery<Record> single(DSLContext ctx) {
        return ctx.selectFrom(rows).where(rows.ID.eq(ID));
    }

    private ResultQuery<Record> byParam(DSLContext ctx) {
        return ctx.selectFrom(rows).where(rows.ID.eq(DSL.param("id", Long.class)));
    }

    private ResultQuery<Record4<Long, String, BigDecimal, String>> join(DSLContext ctx) {
        return ctx.select(rows.ID, rows.NAME, rows.PRICE, details.NOTE)
            .from(rows).join(details).on(details.ROW_ID.eq(rows.ID))
            .where(rows.ID.eq(ID));
    }

    private enum Outcome { MISS, HIT, OUTDATED }

    /** Reads once and fails unless the region counted exactly {@code outcome} and the rows are {@code expected}. */
    private static void expect(Outcome outcome, CachingDSL in, String region, Record expected, Supplier<? extends Record> read) {
        RegionStats b = in.stats(region);
        Record got = read.get();
        RegionStats a = in.stats(region);
        long hits = a.hits() - b.hits();
        long misses = a.misses() - b.misses();
        long outdated = a.outdatedEntries() - b.outdatedEntries();
        long regenerations = a.regenerations() - b.regenerations();
        long stored = a.stored() - b.stored();
        boolean ok = switch (outcome) {
            case HIT -> hits == 1 && misses == 0 && regenerations == 0;
            case MISS -> hits == 0 && misses == 1 && outdated == 0 && regenerations == 1 && stored == 1;
            case OUTDATED -> hits == 0 && misses == 1 && outdated == 1 && regenerations == 1 && stored == 1;
        };
        if (!ok)
            throw new IllegalStateException("region " + region + ": expected a " + outcome + ", but stats went from " + b + " to " + a);
        if (!Objects.equals(expected, got))
            throw new IllegalStateException("region " + region + ": " + outcome + " returned " + got + ", the database has " + expected);
    }

    /** Reads until the near cache serves the read (its copy is kept once the notification feed is up). */
    private void awaitNearHit(Record expected, Supplier<? extends Record> read) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            long nearHits = cached.stats(NEAR).nearHits();
            expect(Outcome.HIT, cached, NEAR, expected, read);
            if (cached.stats(NEAR).nearHits() == nearHits + 1)
                return;
            if (System.nanoTime() > deadline)
                throw new IllegalStateException("the near cache of region " + NEAR + " served nothing within 10 s: " + cached.stats(NEAR));
            Thread.sleep(10);
        }
    }

    /**
     * Shows which generation counters each hit asks for, through a second caching DSL on a backend
     * that records them (same Redis, same prefix, so the same entries): "gens" reads the table
     * counters, "nogens" none. Also checks that every such counter holds a value in Redis.
     */
    private void checkCounters(Record row, Record join) {
        List<List<String>> seen = new ArrayList<>();
        CacheBackend recording = new ForwardingCacheBackend(backend) {
            @Override
            public Read read(String region, String key, List<String> counters) {
                seen.add(List.copyOf(counters));
                return super.read(region, key, counters);
            }

            @Override
            public void close() {
                // the benchmark closes the Redis backend itself
            }
        };
        Regions probeRegions = Regions.builder()
            .region(GENS, r -> r.ttl(TTL))
            .region(NO_GENS, r -> r.ttl(TTL).tableGenerations(false))
            .build();
        try (CachingDSL probe = CachingDSL.wrap(dsl, probeRegions, recording)) {
            CachedQuery<Record> pg = probe.prepare(GENS, byParam(dsl));
            CachedQuery<Record> pn = probe.prepare(NO_GENS, byParam(dsl));
            record Case(String name, String region, Record expected, Supplier<? extends Record> read, List<String> counters) {
            }
            List<Case> cases = List.of(
                new Case("redisHit", GENS, row, () -> single(probe.fromCache(GENS)).fetchOne(), SINGLE_COUNTERS),
                new Case("redisHitNoTableGenerations", NO_GENS, row, () -> single(probe.fromCache(NO_GENS)).fetchOne(), List.of()),
                new Case("redisHitPrepared", GENS, row, () -> pg.fetchOne(ID), SINGLE_COUNTERS),
                new Case("redisHitPreparedNoTableGenerations", NO_GENS, row, () -> pn.fetchOne(ID), List.of()),
                new Case("joinRedisHit", GENS, join, () -> join(probe.fromCache(GENS)).fetchOne(), JOIN_COUNTERS),
                new Case("joinRedisHitNoTableGenerations", NO_GENS, join, () -> join(probe.fromCache(NO_GENS)).fetchOne(), List.of()));
            for (Case c : cases) {
                seen.clear();
                expect(Outcome.HIT, probe, c.region(), c.expected(), c.read());
                List<String> asked = seen.size() == 1 ? seen.get(0) : null;
                List<String> expectedAll = new ArrayList<>(List.of("region:" + c.region(), "soft:" + c.region()));
                expectedAll.addAll(c.counters());
                if (!expectedAll.equals(asked))
                    throw new IllegalStateException(c.name() + ": expected one backend read of counters " + expectedAll
                        + " and the entry, but saw " + seen);
                for (String counter : c.counters()) {
                    String value = commands.get(prefix + "gen:" + counter);
                    if (value == null || Long.parseLong(value) <= 0)
                        throw new IllegalStateException(c.name() + ": counter " + counter + " holds " + value + " in Redis");
                }
                System.out.println("# " + c.name() + ": a hit is one MGET of " + (asked.size() + 1) + " keys: " + asked + " + the entry");
            }
        }
    }

    private Map<String, RegionStats> snapshot() {
        Map<String, RegionStats> m = new LinkedHashMap<>();
        for (String r : List.of(GENS, NO_GENS, NEAR))
            m.put(r, cached.stats(r));
        m.put(LOCAL, local.stats(LOCAL));
        return m;
    }

    @Benchmark
    public void redisHit(Blackhole bh) {
        bh.consume(single(fromGens).fetchOne());
    }

    @Benchmark
    public void redisHitNoTableGenerations(Blackhole bh) {
        bh.consume(single(fromNoGens).fetchOne());
    }

    @Benchmark
    public void redisHitPrepared(Blackhole bh) {
        bh.consume(preparedGens.fetchOne(ID));
    }

    @Benchmark
    public void redisHitPreparedNoTableGenerations(Blackhole bh) {
        bh.consume(preparedNoGens.fetchOne(ID));
    }

    @Benchmark
    public void joinRedisHit(Blackhole bh) {
        bh.consume(join(fromGens).fetchOne());
    }

    @Benchmark
    public void joinRedisHitNoTableGenerations(Blackhole bh) {
        bh.consume(join(fromNoGens).fetchOne());
    }

    @Benchmark
    public void nearHit(Blackhole bh) {
        bh.consume(single(fromNear).fetchOne());
    }

    @Benchmark
    public void nearHitPrepared(Blackhole bh) {
        bh.consume(preparedNear.fetchOne(ID));
    }

    @Benchmark
    public void inProcessHit(Blackhole bh) {
        bh.consume(single(fromLocal).fetchOne());
    }
}
