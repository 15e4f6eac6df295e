package io.shardcache.benchmarks.report;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.shardcache.benchmarks.BenchDatabase;
import io.shardcache.benchmarks.RedisKeys;
import io.shardcache.benchmarks.RowsTable;
import io.shardcache.benchmarks.SpringCaches;
import io.shardcache.query.CachedQuery;
import io.shardcache.query.CachingDSL;
import io.shardcache.query.RegionStats;
import io.shardcache.query.Regions;
import io.shardcache.redis.RedisCacheBackend;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.TestServices;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.ResultQuery;
import org.jooq.impl.DSL;

/**
 * The latency of one primary-key read ({@code selectFrom(rows).where(id = 4242).fetchOne()} on a
 * table of {@value BenchDatabase#ROWS} rows) at every tier, timed call by call with
 * {@link System#nanoTime()}: PostgreSQL through HikariCP and jOOQ, a raw Lettuce {@code GET} of the
 * entry's bytes, a Redis-region hit ({@code fromCache} and {@code prepare}d), a near-cache hit (both
 * ways), an in-process (Caffeine) hit, and, for comparison, a hit of Spring's cache on Redis as
 * {@code @Cacheable} reads it ({@link SpringCaches}: the row as a map, Spring's JDK serializer).
 *
 * <p>The tiers are interleaved: each round makes one call of every tier, in an order shuffled anew
 * each round, so the machine's noise (other processes, GC, frequency changes) falls on every tier
 * alike, and no tier always runs right after the same one (which would leave it that tier's warm or
 * cold CPU caches and code paths). Each call's result is checked after its
 * clock stops: the cached tiers must return the database's row, the raw {@code GET} the entry's
 * bytes. After the last round the regions' {@link RegionStats} must show that every read since the
 * regions were filled was a fresh hit, and every near-cache read a hit of the near copy. Any
 * failure throws {@link IllegalStateException}: such a run measured something else.
 *
 * <p>Uses its own schema {@code bench_<random>} and Redis key prefix, and removes both on
 * {@link #close()}. Not thread-safe: one thread samples.
 */
final class TierLatencies implements AutoCloseable {

    /** One tier's latencies, in µs. */
    record Samples(String tier, Percentiles micros) {
    }

    /**
     * What {@link #sample} measured.
     *
     * @param tiers       each tier's latencies, in the order of the tiers
     * @param collections the garbage collectors' work during the measured rounds, per collector
     *                    (those that ran): "G1 Young Generation: 12 collections, 40 ms"
     */
    record Result(List<Samples> tiers, List<String> collections) {
    }

    private record Tier(String name, Supplier<Object> read, Predicate<Object> correct) {
    }

    private static final String REDIS = "redis", NEAR = "near", LOCAL = "local";
    private static final long ID = 4_242;
    /** Long enough that no entry and no near copy expires during a run. */
    private static final Duration TTL = Duration.ofHours(1);

    private final BenchDatabase db;
    private final RowsTable rows;
    private final String prefix;
    private final RedisCacheBackend backend;
    private final CachingDSL cached;
    private final CachingDSL local;
    private final RedisClient client;
    private final SpringCaches spring;
    /** The reads the write phase compares: shardcache's Redis region and Spring's cache, and the row they read. */
    private final Supplier<Object> shardcacheRead;
    private final Supplier<Object> springRead;
    private final StatefulRedisConnection<String, byte[]> raw;
    private final List<Tier> tiers = new ArrayList<>();
    private final String environment;
    private final Map<String, RegionStats> filled;

    /** Creates the schema, fills every region and checks that each serves the database's row. */
    static TierLatencies open() throws Exception {
        BenchDatabase db = new BenchDatabase(2);
        try {
            return new TierLatencies(db);
        } catch (Exception | Error e) {
            try {
                db.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private TierLatencies(BenchDatabase db) throws Exception {
        RedisService redis = TestServices.redis();
        this.db = db;
        rows = db.rows();
        prefix = RedisService.uniquePrefix("report");
        backend = RedisCacheBackend.builder(redis.uri()).keyPrefix(prefix).build();
        DSLContext dsl = db.dsl();
        cached = CachingDSL.wrap(dsl, Regions.builder()
            .region(REDIS, r -> r.ttl(TTL))
            .region(NEAR, r -> r.ttl(TTL).nearCache(1_000, TTL))
            .build(), backend);
        local = CachingDSL.wrap(dsl, Regions.builder().region(LOCAL, r -> r.ttl(TTL)).build());
        client = RedisClient.create(redis.uri());
        raw = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
        RedisCommands<String, byte[]> commands = raw.sync();
        environment = db.describeServer() + "; Redis " + redisVersion(commands) + " from " + redis.source() + " at "
            + redis.address();

        Record live = byId(dsl).fetchOne();
        if (live == null)
            throw new IllegalStateException("no row " + ID + " in " + db.schema());
        DSLContext fromRedis = cached.fromCache(REDIS), fromNear = cached.fromCache(NEAR), fromLocal = local.fromCache(LOCAL);
        fill(cached, REDIS, fromRedis, live);
        fill(cached, NEAR, fromNear, live);
        fill(local, LOCAL, fromLocal, live);
        awaitNearHit(fromNear, live);
        String entryKey = RedisKeys.entryKey(commands, prefix, REDIS, cached.keyOf(REDIS, byId(dsl)).hash());
        byte[] entry = commands.get(entryKey);
        if (entry == null)
            throw new IllegalStateException("no Redis entry under " + entryKey + " after the region was filled");
        CachedQuery<Record> redisPrepared = cached.prepare(REDIS, byParameter(dsl));
        CachedQuery<Record> nearPrepared = cached.prepare(NEAR, byParameter(dsl));
        filled = stats();

        Predicate<Object> theRow = live::equals;
        tiers.add(new Tier("PostgreSQL (jOOQ, HikariCP)", () -> byId(dsl).fetchOne(), theRow));
        tiers.add(new Tier("Redis GET (raw Lettuce)", () -> commands.get(entryKey), got -> Arrays.equals((byte[]) got, entry)));
        tiers.add(new Tier("Redis region: fromCache", () -> byId(fromRedis).fetchOne(), theRow));
        tiers.add(new Tier("Redis region: prepared", () -> redisPrepared.fetchOne(ID), theRow));
        tiers.add(new Tier("near cache: fromCache", () -> byId(fromNear).fetchOne(), theRow));
        tiers.add(new Tier("near cache: prepared", () -> nearPrepared.fetchOne(ID), theRow));
        tiers.add(new Tier("in-process (Caffeine): fromCache", () -> byId(fromLocal).fetchOne(), theRow));

        // What a Boot user has: @Cacheable over the same query, the row cached as a map (a DTO's stand-in).
        spring = SpringCaches.open(redis.uri(), prefix + "spring:", "rows", TTL);
        Map<String, Object> row = live.intoMap();
        java.util.concurrent.Callable<Map<String, Object>> load = () -> Objects.requireNonNull(byId(dsl).fetchOne()).intoMap();
        if (!row.equals(spring.cache().get(ID, load)))
            throw new IllegalStateException("Spring's cache did not answer the database's row " + row);
        tiers.add(new Tier("Spring Cache on Redis: @Cacheable", () -> spring.cache().get(ID, load), row::equals));
        shardcacheRead = () -> byId(fromRedis).fetchOne();
        springRead = () -> spring.cache().get(ID, load);
    }

    /**
     * What a write does to each cache: {@code rounds} times, renames the row through the caching DSL (as an
     * application writes), then reads it once through shardcache's Redis region and once through Spring's
     * cache, and counts the reads that still answered an earlier name. Run after {@link #sample}: it changes
     * the row.
     */
    Writes writes(int rounds) {
        int shardcacheStale = 0, springStale = 0;
        for (int i = 0; i < rounds; i++) {
            String name = "written " + i;
            cached.dsl().update(rows).set(rows.NAME, name).where(rows.ID.eq(ID)).execute();
            if (!name.equals(((Record) Objects.requireNonNull(shardcacheRead.get(), "shardcache's read")).get(rows.NAME)))
                shardcacheStale++;
            @SuppressWarnings("unchecked")
            Map<String, Object> fromSpring = (Map<String, Object>) Objects.requireNonNull(springRead.get(), "Spring's read");
            if (!name.equals(fromSpring.get(rows.NAME.getName())))
                springStale++;
        }
        return new Writes(rounds, shardcacheStale, springStale);
    }

    /** {@link #writes}' counts: of {@code rounds} reads right after a write, how many answered an older row. */
    record Writes(int rounds, int shardcacheStale, int springStale) {
    }

    /** The database and Redis servers, for the report. */
    String environment() {
        return environment;
    }

    /**
     * Runs {@code warmUp} rounds, then {@code samples} measured rounds, one call of every tier each,
     * in an order that {@code random} shuffles for each round.
     *
     * @throws IllegalStateException if a read returned something else, or a cached read was not a hit
     */
    Result sample(int warmUp, int samples, RandomGenerator random, PrintStream log) {
        int n = tiers.size();
        int[] order = IntStream.range(0, n).toArray();
        for (int round = 0; round < warmUp; round++)
            for (int t : shuffle(order, random))
                check(tiers.get(t), tiers.get(t).read().get(), round);
        log.printf("# warmed up: %,d rounds of %d tiers%n", warmUp, n);
        Map<String, long[]> gcBefore = collections();
        long[][] nanos = new long[n][samples];
        for (int round = 0; round < samples; round++) {
            for (int t : shuffle(order, random)) {
                Tier tier = tiers.get(t);
                long start = System.nanoTime();
                Object got = tier.read().get();
                nanos[t][round] = System.nanoTime() - start;
                check(tier, got, warmUp + round);
            }
        }
        List<String> gc = collectionsSince(gcBefore);
        log.printf("# measured: %,d rounds; GC during them: %s%n", samples, gc.isEmpty() ? "none" : gc);
        checkEveryCachedReadHit(warmUp + (long) samples);
        List<Samples> out = new ArrayList<>();
        for (int t = 0; t < n; t++)
            out.add(new Samples(tiers.get(t).name(), Percentiles.of(Arrays.stream(nanos[t]).mapToDouble(v -> v / 1_000.0).toArray())));
        return new Result(out, gc);
    }

    /** Fisher-Yates, in place; returns {@code order}. */
    static int[] shuffle(int[] order, RandomGenerator random) {
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }

    private static void check(Tier tier, Object got, long round) {
        if (!tier.correct().test(got))
            throw new IllegalStateException(tier.name() + " returned " + (got instanceof byte[] b ? b.length + " other bytes" : got)
                + " in round " + round + ", not what the database holds");
    }

    /** Every read since the regions were filled: {@code fromCache} and prepared, once each per round. */
    private void checkEveryCachedReadHit(long rounds) {
        Map<String, RegionStats> now = stats();
        Map<String, Long> reads = Map.of(REDIS, 2 * rounds, NEAR, 2 * rounds, LOCAL, rounds);
        List<String> problems = new ArrayList<>();
        now.forEach((region, s) -> {
            RegionStats b = filled.get(region);
            long expected = reads.get(region);
            if (s.hits() - b.hits() != expected || s.misses() != b.misses() || s.staleServed() != b.staleServed()
                || s.regenerations() != b.regenerations() || s.backendErrors() != b.backendErrors())
                problems.add(region + ": " + expected + " reads should have been " + expected + " fresh hits, but its stats went from "
                    + b + " to " + s);
            if (region.equals(NEAR) && s.nearHits() - b.nearHits() != expected)
                problems.add(NEAR + ": " + (expected - (s.nearHits() - b.nearHits())) + " of " + expected
                    + " hits were served by Redis, not by the near cache");
        });
        if (!problems.isEmpty())
            throw new IllegalStateException("not every cached read was a hit: " + problems);
    }

    private Map<String, RegionStats> stats() {
        Map<String, RegionStats> m = new LinkedHashMap<>();
        m.put(REDIS, cached.stats(REDIS));
        m.put(NEAR, cached.stats(NEAR));
        m.put(LOCAL, local.stats(LOCAL));
        return m;
    }

    private ResultQuery<Record> byId(DSLContext ctx) {
        return ctx.selectFrom(rows).where(rows.ID.eq(ID));
    }

    private ResultQuery<Record> byParameter(DSLContext ctx) {
        return ctx.selectFrom(rows).where(rows.ID.eq(DSL.param("id", Long.class)));
    }

    /** The first read of a region: a miss that stores the database's row. */
    private void fill(CachingDSL in, String region, DSLContext from, Record live) {
        Record got = byId(from).fetchOne();
        RegionStats s = in.stats(region);
        if (s.misses() != 1 || s.stored() != 1 || !live.equals(got))
            throw new IllegalStateException("filling region " + region + " did not store the database's row: " + s + ", got " + got);
    }

    /** Reads until the near cache serves the read (it keeps copies once its notification feed is up). */
    private void awaitNearHit(DSLContext fromNear, Record live) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            long before = cached.stats(NEAR).nearHits();
            if (!live.equals(byId(fromNear).fetchOne()))
                throw new IllegalStateException("the near region returned another row than the database's");
            if (cached.stats(NEAR).nearHits() > before)
                return;
            if (System.nanoTime() > deadline)
                throw new IllegalStateException("the near cache served nothing within 10 s: " + cached.stats(NEAR));
            Thread.sleep(10);
        }
    }

    private static String redisVersion(RedisCommands<String, byte[]> commands) {
        for (String line : commands.info("server").split("\r?\n", -1))
            if (line.startsWith("redis_version:"))
                return line.substring("redis_version:".length());
        return "(version unknown)";
    }

    private static Map<String, long[]> collections() {
        Map<String, long[]> m = new LinkedHashMap<>();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans())
            m.put(gc.getName(), new long[] {gc.getCollectionCount(), gc.getCollectionTime()});
        return m;
    }

    private static List<String> collectionsSince(Map<String, long[]> before) {
        List<String> out = new ArrayList<>();
        collections().forEach((name, now) -> {
            long[] b = before.getOrDefault(name, new long[2]);
            if (now[0] > b[0])
                out.add(name + ": " + (now[0] - b[0]) + " collections, " + (now[1] - b[1]) + " ms");
        });
        return out;
    }

    /** Deletes this run's Redis keys (SCAN + UNLINK of its prefix; never FLUSHALL) and drops its schema. */
    @Override
    public void close() throws SQLException {
        try {
            RedisCommands<String, byte[]> commands = raw.sync();
            RedisKeys.deleteUnder(commands, prefix);
            raw.close();
            client.shutdown();
            spring.close();
            cached.close();
            local.close();
            backend.close();
        } finally {
            db.close();
        }
    }
}
