package io.shardcache.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.shardcache.query.CachingDSL;
import io.shardcache.query.Regions;
import io.shardcache.redis.RedisCacheBackend;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.time.Duration;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The meters on real PostgreSQL and Redis: each count is checked against what the test made happen. */
@ExtendWith(ServicesExtension.class)
class ShardcacheMetricsIT {

    static final Table<Record> ITEMS = table(name("items"));
    static final Field<Integer> ID = field(name("id"), Integer.class);
    static final Field<String> NAME = field(name("name"), String.class);

    private SimpleMeterRegistry registry;
    private HikariDataSource pool;
    private DSLContext dsl;

    @BeforeEach
    void setUp(TestSchema schema) {
        registry = new SimpleMeterRegistry();
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(schema.jdbcUrl());
        config.setUsername(schema.postgres().user());
        if (schema.postgres().password() != null)
            config.setPassword(schema.postgres().password());
        config.setMaximumPoolSize(2);
        config.setPoolName("metrics-test");
        config.setMetricRegistry(registry);   // HikariCP's own meters, in the same registry
        pool = new HikariDataSource(config);
        dsl = DSL.using(pool, SQLDialect.POSTGRES);
        dsl.execute("create table items (id int primary key, name text not null)");
        dsl.execute("insert into items select g, 'item ' || g from generate_series(1, 10) g");
    }

    @AfterEach
    void tearDown() {
        pool.close();
    }

    private double count(String meter, String... tags) {
        var c = registry.find(meter).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    private static String nameOf(DSLContext d, int id) {
        return d.select(NAME).from(ITEMS).where(ID.eq(id)).fetchOne(NAME);
    }

    @Test
    void hitsMissesRegenerationsAndSkippedReadsAreCountedPerRegionAndShard() {
        ShardcacheMetrics metrics = ShardcacheMetrics.builder(registry).perShard(true).build();
        java.util.concurrent.atomic.AtomicBoolean inTransaction = new java.util.concurrent.atomic.AtomicBoolean();
        try (CachingDSL cached = CachingDSL.builder(dsl, Regions.builder().region("items").region("other").build())
                 .listener(metrics).inTransaction(inTransaction::get).afterCommit(Runnable::run).build()) {
            metrics.bindTo(cached, "test");
            nameOf(cached.fromCache("items"), 1);                   // miss, regenerated
            nameOf(cached.fromCache("items"), 1);                   // hit
            nameOf(cached.fromCache("items"), 1);                   // hit
            nameOf(cached.fromCache("other"), 1);                   // miss in another region
            DSLContext shard5 = DSL.using(dsl.configuration().derive());
            shard5.configuration().data(CachingDSL.SCOPE, "users/5");
            nameOf(cached.on(shard5).fromCache("items"), 1);        // the same read, another shard: its own miss
            inTransaction.set(true);
            nameOf(cached.fromCache("items"), 2);                   // in a framework's transaction: not consulted
            inTransaction.set(false);

            assertThat(count("shardcache.cache.gets", "region", "items", "shard", "", "result", "miss")).isEqualTo(1);
            assertThat(count("shardcache.cache.gets", "region", "items", "shard", "", "result", "hit")).isEqualTo(2);
            assertThat(count("shardcache.cache.gets", "region", "other", "shard", "", "result", "miss")).isEqualTo(1);
            assertThat(count("shardcache.cache.gets", "region", "items", "shard", "users/5", "result", "miss")).isEqualTo(1);
            assertThat(count("shardcache.cache.gets", "region", "items", "shard", "users/5", "result", "hit")).isZero();
            assertThat(registry.find("shardcache.cache.regenerations").tags("region", "items", "shard", "").timer().count()).isEqualTo(1);
            assertThat(count("shardcache.cache.skipped", "region", "items", "reason", "transaction")).isEqualTo(1);
            assertThat(registry.get("shardcache.backend.health").tag("cache", "test").gauge().value()).isEqualTo(1.0);
            assertThat(registry.find("hikaricp.connections.max").tag("pool", "metrics-test").gauge().value()).isEqualTo(2);
        }
    }

    @Test
    void eachSettingMaySetOnce() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ShardcacheMetrics.builder(new SimpleMeterRegistry()).perShard(true).perShard(false))
            .isInstanceOf(IllegalStateException.class).hasMessage("perShard is already set to true");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ShardcacheMetrics.builder(new SimpleMeterRegistry())
                .tags(io.micrometer.core.instrument.Tags.of("app", "a")).tags(io.micrometer.core.instrument.Tags.of("app", "b")))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("tags are already set").hasMessageContaining("app");
    }

    @Test
    void withoutPerShardTheShardTagIsLeftOut() {
        ShardcacheMetrics metrics = ShardcacheMetrics.builder(registry).tags(List.of(io.micrometer.core.instrument.Tag.of("app", "shop"))).build();
        try (CachingDSL cached = CachingDSL.builder(dsl, Regions.builder().region("items").build()).listener(metrics).build()) {
            DSLContext shard5 = DSL.using(dsl.configuration().derive());
            shard5.configuration().data(CachingDSL.SCOPE, "users/5");
            nameOf(cached.fromCache("items"), 1);
            nameOf(cached.on(shard5).fromCache("items"), 1);
            assertThat(count("shardcache.cache.gets", "app", "shop", "region", "items", "result", "miss")).isEqualTo(2);
            assertThat(registry.find("shardcache.cache.gets").tagKeys("shard").counters()).isEmpty();
        }
    }

    @Test
    void aRedisThatIsDownCountsBackendErrorsOpensTheCircuitAndReadsDown() throws Exception {
        ShardcacheMetrics metrics = ShardcacheMetrics.builder(registry).build();
        try (RedisCacheBackend dead = RedisCacheBackend.builder("redis://127.0.0.1:" + freePort())
                 .commandTimeout(Duration.ofMillis(100)).build();
             CachingDSL cached = CachingDSL.builder(dsl, Regions.builder().region("items").build())
                 .backend(dead).listener(metrics).circuitBreaker(2, Duration.ofMinutes(10)).build()) {
            metrics.bindTo(cached, "dead");
            for (int id = 1; id <= 3; id++)
                assertThat(nameOf(cached.fromCache("items"), id)).isEqualTo("item " + id);   // rows from PostgreSQL

            assertThat(count("shardcache.cache.errors", "region", "items", "source", "backend")).isGreaterThanOrEqualTo(2);
            assertThat(count("shardcache.cache.errors", "region", "items", "source", "query")).isZero();
            String backend = dead.describe();
            assertThat(count("shardcache.backend.circuit.opened", "backend", backend)).isEqualTo(1);
            assertThat(registry.get("shardcache.backend.circuit.open").tag("backend", backend).gauge().value()).isEqualTo(1.0);
            assertThat(registry.get("shardcache.backend.health").tag("cache", "dead").gauge().value()).isZero();
        }
    }

    /** Readers of one key share Redis reads (each read slowed to 20 ms so that they overlap); each share is counted. */
    @Test
    void readsSharedWithAnotherCallerAreCountedAsCoalesced(RedisService redis) throws Exception {
        ShardcacheMetrics metrics = ShardcacheMetrics.builder(registry).build();
        String prefix = RedisService.uniquePrefix("metrics-coalesced");
        try (RedisCacheBackend backend = RedisCacheBackend.builder(redis.uri()).keyPrefix(prefix).build();
             CachingDSL cached = CachingDSL.builder(dsl, Regions.builder().region("items").build())
                 .backend(new io.shardcache.query.spi.ForwardingCacheBackend(backend) {
                     @Override
                     public Read read(String region, String key, List<String> counters) {
                         try {
                             Thread.sleep(20);
                         } catch (InterruptedException e) {
                             Thread.currentThread().interrupt();
                         }
                         return super.read(region, key, counters);
                     }
                 }).listener(metrics).build()) {
            nameOf(cached.fromCache("items"), 1);
            for (var f : io.shardcache.testing.Gate.run(16, i -> nameOf(cached.fromCache("items"), 1)))
                assertThat(f.get()).isEqualTo("item 1");

            long shared = cached.stats("items").coalescedReads();
            assertThat(shared).isPositive();
            assertThat(count("shardcache.cache.reads.coalesced", "region", "items")).isEqualTo(shared);
        } finally {
            try (var raw = io.lettuce.core.RedisClient.create(redis.uri()); var c = raw.connect()) {
                var keys = c.sync().keys(prefix + "*");
                if (!keys.isEmpty())
                    c.sync().del(keys.toArray(String[]::new));
            }
        }
    }

    @Test
    void lettuceCommandLatenciesReachTheRegistryGivenToTheBackend(RedisService redis) {
        try (RedisCacheBackend backend = RedisCacheBackend.builder(redis.uri()).keyPrefix(RedisService.uniquePrefix("metrics"))
                 .meterRegistry(registry).build()) {
            backend.put("r", "r:0:k", new byte[] {1}, Duration.ofMinutes(1));
            assertThat(backend.get("r", "r:0:k")).containsExactly(1);
            assertThat(registry.find("lettuce.command.completion").tag("command", "GET").timer()).isNotNull();
            assertThat(registry.find("lettuce.command.completion").tag("command", "GET").timer().count()).isGreaterThanOrEqualTo(1);
        }
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
