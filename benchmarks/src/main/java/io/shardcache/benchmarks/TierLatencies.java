package io.shardcache.benchmarks;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.shardcache.query.CachedQuery;
import io.shardcache.query.CachingDSL;
import io.shardcache.query.RegionStats;
import io.shardcache.query.Regions;
import io.shardcache.redis.RedisCacheBackend;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.TestServices;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.ResultQuery;
import org.jooq.impl.DSL;

/**
 * The latency of one primary-key read at each tier, sampled call by call and interleaved round-robin
 * (one call of each tier per round), so that the machine's noise falls on every tier alike:
 * PostgreSQL through HikariCP and jOOQ, a raw Lettuce {@code GET} of the entry, a Redis-region hit
 * ({@code fromCache} and prepared), a near-cache hit ({@code fromCache} and prepared) and an
 * in-process (Caffeine) hit. Every cached read is checked to return the database's row, and every
 * region to have missed only on its first read.
 */
final class TierLatencies implements AutoCloseable {

    private static final String REGION = "r", NEAR = "near";
    private static final long ID = 4_242;

    private final BenchDatabase db;
    private final RowsTable rows;
    private final RedisCacheBackend backend;
    private final CachingDSL redis, local;
    private final RedisClient client;
    private final StatefulRedisConnection<String, byte[]> raw;
    private final String prefix;
    private final Map<String, Supplier<Object>> tiers = new LinkedHashMap<>();
    private final String describe;

    TierLatencies() throws Exception {
        RedisService service = TestServices.redis();
        db = new BenchDatabase(2);
        rows = db.rows();
        DSLContext dsl = db.dsl();
        prefix = RedisService.uniquePrefix("report");
        backend = RedisCacheBackend.builder(service.uri()).keyPrefix(prefix).build();
        redis = CachingDSL.wrap(dsl, Regions.builder()
            .region(REGION, r -> r.ttl(Duration.ofHours(1)))
            .region(NEAR, r -> r.ttl(Duration.ofHours(1)).nearCache(1_000, Duration.ofHours(1)))
            .build(), backend);
        local = CachingDSL.wrap(dsl, Regions.builder().region(REGION, r -> r.ttl(Duration.ofHours(1))).build());
        client = RedisClient.create(service.uri());
        raw = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
        describe = db.describeServer() + "; Redis " + service.address() + " from " + service.source();

        Record live = query(dsl).fetchOne();
        CachedQuery<Record> redisPrepared = redis.prepare(REGION, byId(dsl));
        CachedQuery<Record> nearPrepared = redis.prepare(NEAR, byId(dsl));
        RedisCommands<String, byte[]> commands = raw.sync();
        tiers.put("PostgreSQL, direct jOOQ", () -> query(dsl).fetchOne());
        tiers.put("Redis GET, raw Lettuce", () -> commands.get(entryKey()));
        tiers.put("Redis region, fromCache", () -> checked(live, query(redis.fromCache(REGION)).fetchOne()));
        tiers.put("Redis region, prepared", () -> checked(live, redisPrepared.fetchOne(ID)));
        tiers.put("near cache, fromCache", () -> checked(live, query(redis.fromCache(NEAR)).fetchOne()));
        tiers.put("near cache, prepared", () -> checked(live, nearPrepared.fetchOne(ID)));
        tiers.put("in-process, fromCache", () -> checked(live, query(local.fromCache(REGION)).fetchOne()));
        for (Supplier<Object> t : tiers.values())
            t.get();   // fills each region
        if (commands.get(entryKey()) == null)
            throw new IllegalStateException("no Redis entry under " + entryKey());
    }

    String describe() {
        return describe;
    }

    private String entryKey() {
        return prefix + REGION + ":0:" + redis.keyOf(REGION, query(db.dsl())).hash();
    }

    private ResultQuery<Record> query(DSLContext ctx) {
        return ctx.selectFrom(rows).where(rows.ID.eq(ID));
    }

    private ResultQuery<Record> byId(DSLContext ctx) {
        return ctx.selectFrom(rows).where(rows.ID.eq(DSL.param("id", Long.class)));
    }

    private static Object checked(Record live, Record got) {
        if (!Objects.equals(live, got))
            throw new IllegalStateException("a cached read returned " + got + ", not the database's " + live);
        return got;
    }

    /**
     * Runs {@code warmUp} rounds, then {@code samples} measured rounds, and returns each tier's
     * latencies in microseconds, sorted.
     */
    Map<String, double[]> sample(int warmUp, int samples, PrintStream log) {
        Supplier<?>[] calls = tiers.values().toArray(Supplier<?>[]::new);
        long sink = 0;
        for (int round = 0; round < warmUp; round++)
            for (Supplier<?> c : calls)
                sink += System.identityHashCode(c.get());
        log.printf("# warmed up: %,d rounds of %d tiers%n", warmUp, calls.length);
        long[][] nanos = new long[calls.length][samples];
        for (int round = 0; round < samples; round++) {
            for (int t = 0; t < calls.length; t++) {
                long start = System.nanoTime();
                Object got = calls[t].get();
                nanos[t][round] = System.nanoTime() - start;
                sink += System.identityHashCode(got);
            }
        }
        log.printf("# measured: %,d rounds (%d)%n", samples, sink & 1);
        checkOnlyFirstReadsMissed();
        Map<String, double[]> out = new LinkedHashMap<>();
        int t = 0;
        for (String name : tiers.keySet()) {
            double[] micros = Arrays.stream(nanos[t++]).mapToDouble(n -> n / 1_000.0).sorted().toArray();
            out.put(name, micros);
        }
        return out;
    }

    private void checkOnlyFirstReadsMissed() {
        RegionStats r = redis.stats(REGION), n = redis.stats(NEAR), l = local.stats(REGION);
        if (r.misses() != 1 || n.misses() != 1 || l.misses() != 1)
            throw new IllegalStateException("a cached tier missed after its first read: redis " + r + ", near " + n + ", local " + l);
        if (n.nearHits() < n.hits() / 2)
            throw new IllegalStateException("the near tier was mostly served from Redis, not the near cache: " + n);
    }

    @Override
    public void close() throws Exception {
        try {
            redis.invalidate(REGION);
            redis.invalidate(NEAR);
            for (String key : raw.sync().keys(prefix + "*"))
                raw.sync().del(key);
            raw.close();
            client.shutdown();
            redis.close();
            local.close();
            backend.close();
        } finally {
            db.close();
        }
    }
}
