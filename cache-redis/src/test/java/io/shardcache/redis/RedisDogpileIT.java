package io.shardcache.redis;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardcache.query.CachingDSL;
import io.shardcache.query.Db;
import io.shardcache.query.Regions;
import io.shardcache.testing.Gate;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import org.jooq.Record2;
import org.jooq.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The dogpile engine end to end on PostgreSQL and Redis. Each "process" is a {@link CachingDSL}
 * with its own {@link RedisCacheBackend} (its own Lettuce and Redisson clients) on the same key
 * prefix, as separate JVMs would have. PostgreSQL counts executions (see {@link Db}).
 */
@ExtendWith(ServicesExtension.class)
class RedisDogpileIT {

    private final Regions regions = Regions.builder().region("items").build();
    private RedisService redis;
    private String prefix;
    private Db db;
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @BeforeEach
    void setUp(RedisService redis, TestSchema schema, TestInfo test) throws Exception {
        this.redis = redis;
        this.prefix = RedisService.uniquePrefix(getClass().getSimpleName() + "." + test.getTestMethod().orElseThrow().getName());
        this.db = new Db(schema, 32);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeLater.reversed())
            c.close();
        db.close();
        try (RawRedis raw = new RawRedis(redis)) {
            raw.deleteAll(prefix);
        }
    }

    /** Another process: its own backend (Redis clients) and its own engine, on the shared prefix. */
    private CachingDSL process() {
        return process(redis.uri());
    }

    private CachingDSL process(String redisUri) {
        RedisCacheBackend backend = RedisCacheBackend.builder(redisUri).keyPrefix(prefix).build();
        closeLater.add(backend);
        CachingDSL cached = CachingDSL.wrap(db.dsl, regions, backend);
        closeLater.add(cached);
        return cached;
    }

    private static Result<Record2<String, Integer>> read(CachingDSL cached, String counter, double seconds) {
        return cached.fromCache("items").select(NAME, Db.touchSlow(counter, seconds)).from(ITEMS).where(ID.eq(7)).fetch();
    }

    @Test
    void sixtyFourThreadsOnAColdKeyRunTheQueryOnceAndAnotherProcessGetsAHit() throws Exception {
        CachingDSL first = process();

        List<Future<Result<Record2<String, Integer>>>> results = Gate.run(64, i -> read(first, "cold", 0.3));

        assertThat(db.executions("cold")).as("PostgreSQL executions").isEqualTo(1);
        for (Future<Result<Record2<String, Integer>>> f : results)
            assertThat(f.get().getValues(NAME)).containsExactly("item 7");
        assertThat(first.stats("items").regenerations()).isEqualTo(1);
        assertThat(first.stats("items").stored()).isEqualTo(1);

        CachingDSL second = process();
        assertThat(read(second, "cold", 0.3).getValues(NAME)).containsExactly("item 7");
        assertThat(db.executions("cold")).as("served from Redis to the other process").isEqualTo(1);
        assertThat(second.stats("items").hits()).isEqualTo(1);
    }

    @Test
    void sixtyFourThreadsInTwoProcessesOnAColdKeyRunTheQueryOnce() throws Exception {
        List<CachingDSL> processes = List.of(process(), process());

        List<Future<Result<Record2<String, Integer>>>> results = Gate.run(64, i -> read(processes.get(i % 2), "cold2", 0.5));

        assertThat(db.executions("cold2")).as("PostgreSQL executions across both processes").isEqualTo(1);
        for (Future<Result<Record2<String, Integer>>> f : results)
            assertThat(f.get().getValues(NAME)).containsExactly("item 7");
        long regenerations = processes.get(0).stats("items").regenerations() + processes.get(1).stats("items").regenerations();
        assertThat(regenerations).isEqualTo(1);
    }

    @Test
    void invalidatingARegionInOneProcessIsSeenByTheOther() throws Exception {
        CachingDSL one = process();
        CachingDSL two = process();
        read(one, "inv", 0);
        read(two, "inv", 0);
        assertThat(db.executions("inv")).isEqualTo(1);

        one.invalidate("items");

        assertThat(read(two, "inv", 0).getValues(NAME)).containsExactly("item 7");
        assertThat(db.executions("inv")).as("the other process saw the new generation").isEqualTo(2);
        read(one, "inv", 0);
        assertThat(db.executions("inv")).as("and stored under it for everyone").isEqualTo(2);
    }

    @Test
    void aRedisThatIsDownDegradesToTheDatabase() throws Exception {
        CachingDSL cached = process("redis://127.0.0.1:" + TcpProxy.freePort());
        for (int i = 0; i < 3; i++)
            assertThat(read(cached, "down", 0).getValues(NAME)).containsExactly("item 7");
        assertThat(db.executions("down")).isEqualTo(3);
        assertThat(cached.stats("items").backendErrors()).isGreaterThanOrEqualTo(3);
    }

}
