package io.shardcache.benchmarks;

import io.lettuce.core.KeyValue;
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
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.jooq.Record;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * What a Redis-region hit costs next to the Redis read it cannot avoid, in one run:
 * <ul>
 *   <li>{@code rawGet}: a plain Lettuce {@code GET} of the entry's bytes, on a connection of its own
 *       with the same codec: the floor of any Redis cache;</li>
 *   <li>{@code rawMget}: a plain {@code MGET} of the region's two generation counters and the entry,
 *       the one command a hit sends;</li>
 *   <li>{@code redisHitPrepared}: {@code cached.prepare("r", …).fetchOne(id)} on a
 *       {@link RedisCacheBackend}: the key digest, that one command, the envelope checks and the
 *       record;</li>
 *   <li>{@code redisHit}: the same read as a new jOOQ query per call through {@code fromCache("r")}.</li>
 * </ul>
 * One key throughout; setup proves a hit returns the database's row, teardown fails the run if any
 * read missed.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dorg.jooq.no-logo=true", "-Dorg.jooq.no-tips=true",
    "-Dorg.slf4j.simpleLogger.log.com.zaxxer.hikari=warn", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 1)
public class RedisHitBenchmark {

    static final String REGION = "r";
    static final long ID = 4_242;

    private BenchDatabase db;
    private RowsTable rows;
    private DSLContext dsl;
    private RedisCacheBackend backend;
    private CachingDSL cached;
    private DSLContext fromCache;
    private CachedQuery<Record> prepared;
    private String prefix;
    private String entryKey;
    private String[] hitKeys;
    private RedisClient client;
    private StatefulRedisConnection<String, byte[]> raw;
    private RedisCommands<String, byte[]> commands;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        RedisService redis = TestServices.redis();
        db = new BenchDatabase(2);
        rows = db.rows();
        dsl = db.dsl();
        prefix = RedisService.uniquePrefix("RedisHitBenchmark");
        backend = RedisCacheBackend.builder(redis.uri()).keyPrefix(prefix).build();
        cached = CachingDSL.wrap(dsl, Regions.builder().region(REGION, r -> r.ttl(Duration.ofHours(1))).build(), backend);
        fromCache = cached.fromCache(REGION);
        prepared = cached.prepare(REGION, dsl.selectFrom(rows).where(rows.ID.eq(DSL.param("id", Long.class))));
        System.out.println("# " + db.describeServer() + "; Redis " + redis.address() + ", key prefix " + prefix);

        Record live = query(dsl).fetchOne();
        query(fromCache).fetchOne();
        RegionStats filled = cached.stats(REGION);
        Record hit = prepared.fetchOne(ID);
        RegionStats after = cached.stats(REGION);
        if (filled.misses() != 1 || filled.stored() != 1 || after.hits() != filled.hits() + 1 || !live.equals(hit))
            throw new IllegalStateException("the entry is not served as a hit with the database's row: " + after);

        client = RedisClient.create(redis.uri());
        raw = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
        commands = raw.sync();
        entryKey = RedisKeys.entryKey(commands, prefix, REGION, cached.keyOf(REGION, query(dsl)).hash());
        hitKeys = new String[] {prefix + "gen:region:" + REGION, prefix + "gen:soft:" + REGION, entryKey};
        byte[] bytes = commands.get(entryKey);
        if (bytes == null)
            throw new IllegalStateException("no entry under " + entryKey);
        List<KeyValue<String, byte[]>> mget = commands.mget(hitKeys);
        if (!Arrays.equals(mget.get(2).getValueOrElse(null), bytes))
            throw new IllegalStateException("MGET " + List.of(hitKeys) + " does not return the entry");
        System.out.println("# entry " + entryKey + ", " + bytes.length + " bytes");
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        RegionStats stats = cached.stats(REGION);
        System.out.println("# region stats after the trial: " + stats);
        try {
            for (String key : commands.keys(prefix + "*"))
                commands.del(key);
            raw.close();
            client.shutdown();
            cached.close();
            backend.close();
        } finally {
            db.close();
        }
        if (stats.misses() != 1)
            throw new IllegalStateException("reads through the cache missed during the trial: " + stats);
    }

    private ResultQuery<Record> query(DSLContext ctx) {
        return ctx.selectFrom(rows).where(rows.ID.eq(ID));
    }

    @Benchmark
    public void rawGet(Blackhole bh) {
        bh.consume(commands.get(entryKey));
    }

    @Benchmark
    public void rawMget(Blackhole bh) {
        bh.consume(commands.mget(hitKeys));
    }

    @Benchmark
    public void redisHitPrepared(Blackhole bh) {
        bh.consume(prepared.fetchOne(ID));
    }

    @Benchmark
    public void redisHit(Blackhole bh) {
        bh.consume(query(fromCache).fetchOne());
    }
}
