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
import io.shardcache.query.InProcessCacheBackend;
import io.shardcache.query.RegionStats;
import io.shardcache.query.Regions;
import io.shardcache.redis.RedisCacheBackend;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.TestServices;
import java.nio.charset.StandardCharsets;
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
import redis.clients.jedis.Jedis;

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
 *   <li>{@code redisHit}: the same read as a new jOOQ query per call through {@code fromCache("r")};</li>
 *   <li>{@code rawMgetThenInProcessHit}, {@code rawMgetThenInProcessPrepared}: the raw {@code MGET}
 *       followed by the same hit on an in-process region: what a Redis hit would cost if it were its
 *       round trip plus the in-process work and nothing else. Unlike a back-to-back {@code MGET}, the
 *       work between two commands lets Lettuce's event loop go back to sleep, so the next command
 *       pays for waking it, as every hit does;</li>
 *   <li>{@code jedisGet}, {@code jedisMget}: the same commands on Jedis, a blocking client whose
 *       caller writes and reads the socket itself, with no event loop to hand the command to.</li>
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
    private CachingDSL inProcess;
    private DSLContext inProcessFromCache;
    private CachedQuery<Record> inProcessPrepared;
    private Jedis jedis;
    private byte[] entryKeyBytes;
    private byte[][] hitKeyBytes;

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

        inProcess = CachingDSL.wrap(dsl, Regions.builder().region(REGION, r -> r.ttl(Duration.ofHours(1))).build(),
            InProcessCacheBackend.create());
        inProcessFromCache = inProcess.fromCache(REGION);
        inProcessPrepared = inProcess.prepare(REGION, dsl.selectFrom(rows).where(rows.ID.eq(DSL.param("id", Long.class))));
        query(inProcessFromCache).fetchOne();
        if (!live.equals(inProcessPrepared.fetchOne(ID)) || inProcess.stats(REGION).hits() != 1)
            throw new IllegalStateException("the in-process region does not serve the row as a hit: " + inProcess.stats(REGION));

        jedis = new Jedis(redis.host(), redis.port());
        if (!redis.password().isEmpty()) {
            if (redis.user().isEmpty())
                jedis.auth(redis.password());
            else
                jedis.auth(redis.user(), redis.password());
        }
        entryKeyBytes = entryKey.getBytes(StandardCharsets.UTF_8);
        hitKeyBytes = Arrays.stream(hitKeys).map(k -> k.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
        if (!Arrays.equals(jedis.get(entryKeyBytes), bytes) || !Arrays.equals(jedis.mget(hitKeyBytes).get(2), bytes))
            throw new IllegalStateException("Jedis does not read the entry's bytes");
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        RegionStats stats = cached.stats(REGION);
        System.out.println("# region stats after the trial: " + stats);
        try {
            for (String key : commands.keys(prefix + "*"))
                commands.del(key);
            jedis.close();
            inProcess.close();
            raw.close();
            client.shutdown();
            cached.close();
            backend.close();
        } finally {
            db.close();
        }
        if (stats.misses() != 1 || inProcess.stats(REGION).misses() != 1)
            throw new IllegalStateException("reads through the cache missed during the trial: " + stats + ", in-process "
                + inProcess.stats(REGION));
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

    @Benchmark
    public void rawMgetThenInProcessHit(Blackhole bh) {
        bh.consume(commands.mget(hitKeys));
        bh.consume(query(inProcessFromCache).fetchOne());
    }

    @Benchmark
    public void rawMgetThenInProcessPrepared(Blackhole bh) {
        bh.consume(commands.mget(hitKeys));
        bh.consume(inProcessPrepared.fetchOne(ID));
    }

    @Benchmark
    public void jedisGet(Blackhole bh) {
        bh.consume(jedis.get(entryKeyBytes));
    }

    @Benchmark
    public void jedisMget(Blackhole bh) {
        bh.consume(jedis.mget(hitKeyBytes));
    }
}
