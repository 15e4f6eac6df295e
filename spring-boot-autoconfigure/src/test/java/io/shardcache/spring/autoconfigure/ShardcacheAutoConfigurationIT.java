package io.shardcache.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.shardcache.micrometer.ShardcacheMetrics;
import io.shardcache.query.CachingDSL;
import io.shardcache.query.OnBackendFailure;
import io.shardcache.query.OnLockTimeout;
import io.shardcache.query.OnRefreshFailure;
import io.shardcache.query.Region;
import io.shardcache.query.RegionStats;
import io.shardcache.query.spi.CacheBackend;
import io.shardcache.redis.RedisCacheBackend;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import io.shardcache.testing.TestServices;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.jooq.autoconfigure.JooqAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The auto-configuration on Boot's own DataSource, transaction and jOOQ auto-configuration, against real
 * PostgreSQL and Redis: what it builds from properties, what it refuses, and what a read and a write do
 * inside and outside Spring transactions (counted by PostgreSQL and by the regions' stats).
 */
@ExtendWith(ServicesExtension.class)
class ShardcacheAutoConfigurationIT {

    private static final Table<Record> ITEMS = table(name("items"));
    private static final Field<Integer> ID = field(name("id"), Integer.class);
    private static final Field<String> NAME = field(name("name"), String.class);

    private ApplicationContextRunner runner;
    private TestSchema schema;

    @BeforeEach
    void setUp(TestSchema schema) throws Exception {
        this.schema = schema;
        try (var c = schema.connect(); var s = c.createStatement()) {
            s.execute("create table items (id int primary key, name text not null)");
            s.execute("insert into items select g, 'item ' || g from generate_series(1, 10) g");
        }
        runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
                DataSourceTransactionManagerAutoConfiguration.class, TransactionAutoConfiguration.class,
                JooqAutoConfiguration.class, ShardcacheAutoConfiguration.class, ShardcacheHealthAutoConfiguration.class,
                ShardcacheMetricsAutoConfiguration.class))
            .withPropertyValues(
                "spring.datasource.url=" + schema.jdbcUrl(),
                "spring.datasource.username=" + schema.postgres().user(),
                "spring.datasource.password=" + schema.postgres().password(),
                "shardcache.regions.items.ttl=10m");
    }

    /** The in-process backend, counting generation bumps (each call, whatever its number of counters). */
    static final class CountingBumps extends io.shardcache.query.spi.ForwardingCacheBackend {
        final java.util.concurrent.atomic.AtomicInteger bumps = new java.util.concurrent.atomic.AtomicInteger();

        CountingBumps() {
            super(io.shardcache.query.InProcessCacheBackend.builder().build());
        }

        @Override
        public long incrementGeneration(String counter) {
            bumps.incrementAndGet();
            return super.incrementGeneration(counter);
        }

        @Override
        public long[] incrementGenerations(List<String> counters) {
            bumps.incrementAndGet();
            return super.incrementGenerations(counters);
        }

        @Override
        public long[] incrementGenerationsNow(List<String> counters) {
            bumps.incrementAndGet();
            return super.incrementGenerationsNow(counters);
        }
    }

    /** What the transaction tests use, from a context that has a {@link CountingBumps} backend. */
    private record Beans(CountingBumps backend, CachingDSL cached, DSLContext dsl, TransactionTemplate tx) {
        static Beans of(org.springframework.context.ApplicationContext context) {
            return new Beans((CountingBumps) context.getBean(CacheBackend.class), context.getBean(CachingDSL.class),
                context.getBean(DSLContext.class), new TransactionTemplate(context.getBean(PlatformTransactionManager.class)));
        }
    }

    private static String read(DSLContext items, int id) {
        return items.select(NAME).from(ITEMS).where(ID.eq(id)).fetchOne(NAME);
    }

    @Test
    void withoutRedisTheRegionsAreInProcess_andTheApplicationsDslContextIsTheCachingOnes() {
        runner.run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(CachingDSL.class).doesNotHaveBean(CacheBackend.class);
            CachingDSL cached = context.getBean(CachingDSL.class);
            assertThat(context.getBean(DSLContext.class)).isSameAs(cached.dsl());
            assertThat(cached.health().backend()).contains("in-process");

            DSLContext items = cached.fromCache("items");
            assertThat(read(items, 1)).isEqualTo("item 1");
            assertThat(read(items, 1)).isEqualTo("item 1");
            RegionStats s = cached.stats("items");
            assertThat(s.misses()).isEqualTo(1);
            assertThat(s.hits()).isEqualTo(1);
            assertThat(s.regenerations()).isEqualTo(1);
        });
    }

    @Test
    void aWriteThroughTheDslContextBeanMakesTheNextReadSeeIt() {
        runner.run(context -> {
            CachingDSL cached = context.getBean(CachingDSL.class);
            DSLContext dsl = context.getBean(DSLContext.class);
            DSLContext items = cached.fromCache("items");
            assertThat(read(items, 2)).isEqualTo("item 2");
            dsl.update(ITEMS).set(NAME, "renamed").where(ID.eq(2)).execute();
            assertThat(read(items, 2)).as("the read after the write").isEqualTo("renamed");
            assertThat(cached.stats("items").outdatedEntries()).isEqualTo(1);
        });
    }

    @Test
    void insideASpringTransactionReadsBypassTheCache_andAWriteBumpsOnlyAtCommit() {
        runner.withBean(CacheBackend.class, CountingBumps::new).run(context -> {
            Beans b = Beans.of(context);
            CachingDSL cached = b.cached();
            DSLContext items = cached.fromCache("items");
            assertThat(read(items, 3)).isEqualTo("item 3");   // cached outside

            String inside = b.tx().execute(status -> {
                b.dsl().update(ITEMS).set(NAME, "in tx").where(ID.eq(3)).execute();
                String seen = read(items, 3);
                assertThat(b.backend().bumps.get()).as("before the statement ran, none yet at the commit").isEqualTo(1);
                assertThat(CompletableFuture.supplyAsync(() -> read(items, 3)).join())
                    .as("another thread, outside the transaction, gets the committed row").isEqualTo("item 3");
                return seen;
            });
            assertThat(inside).as("the transaction reads its own write, not the cache").isEqualTo("in tx");
            assertThat(b.backend().bumps.get()).as("and one more after the commit").isEqualTo(2);
            assertThat(cached.stats("items").skippedTransaction()).isEqualTo(1);
            assertThat(read(items, 3)).as("after the commit").isEqualTo("in tx");
        });
    }

    @Test
    void aTransactionThatWritesThenThrowsLeavesNothingStaleAndNothingExtraCached() {
        runner.withBean(CacheBackend.class, CountingBumps::new).run(context -> {
            Beans b = Beans.of(context);
            CachingDSL cached = b.cached();
            DSLContext items = cached.fromCache("items");
            assertThat(read(items, 4)).isEqualTo("item 4");
            long storedBefore = cached.stats("items").stored();

            try {
                b.tx().executeWithoutResult(status -> {
                    b.dsl().update(ITEMS).set(NAME, "rolled back").where(ID.eq(4)).execute();
                    assertThat(read(items, 4)).isEqualTo("rolled back");
                    throw new IllegalStateException("boom");
                });
            } catch (IllegalStateException expected) {
                assertThat(expected).hasMessage("boom");
            }
            assertThat(read(items, 4)).as("after the rollback").isEqualTo("item 4");
            RegionStats s = cached.stats("items");
            assertThat(s.skippedTransaction()).as("the read inside was not cached: " + s).isEqualTo(1);
            // The write bumped its table before it ran (so a crash between commit and bump leaves nothing
            // stale): the entry read before is a miss once, refilled from the committed row.
            assertThat(s.outdatedEntries()).isEqualTo(1);
            assertThat(s.stored()).isEqualTo(storedBefore + 1);
            assertThat(b.backend().bumps.get()).as("the bump before the statement; none after the rollback").isEqualTo(1);
            assertThat(read(items, 4)).isEqualTo("item 4");
            assertThat(cached.stats("items").hits()).isEqualTo(1);
        });
    }

    @Test
    void withARedisUriTheRegionsAreInRedis() {
        RedisService redis = TestServices.redis();
        runner.withPropertyValues("shardcache.redis.uri=" + redis.uri(),
                "shardcache.redis.key-prefix=" + RedisService.uniquePrefix("boot"),
                "shardcache.redis.command-timeout=2s", "shardcache.redis.read-connections=2")
            .run(context -> {
                assertThat(context).hasNotFailed().hasSingleBean(RedisCacheBackend.class);
                CachingDSL cached = context.getBean(CachingDSL.class);
                assertThat(cached.health().backend()).contains(redis.host() + ":" + redis.port());
                assertThat(context.getBean(ShardcacheHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);
                DSLContext items = cached.fromCache("items");
                assertThat(read(items, 5)).isEqualTo("item 5");
                assertThat(read(items, 5)).isEqualTo("item 5");
                assertThat(cached.stats("items").hits()).isEqualTo(1);
            });
    }

    @Test
    void aRedisThatDoesNotAnswerIsDown_andReadsStillAnswerFromPostgres() {
        runner.withPropertyValues("shardcache.redis.uri=redis://127.0.0.1:1", "shardcache.redis.command-timeout=200ms")
            .run(context -> {
                assertThat(context).hasNotFailed();
                CachingDSL cached = context.getBean(CachingDSL.class);
                DSLContext items = cached.fromCache("items");
                assertThat(read(items, 6)).isEqualTo("item 6");
                var health = context.getBean(ShardcacheHealthIndicator.class).health();
                assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                assertThat(health.getDetails()).containsKey("reasons");
            });
    }

    @Test
    void aRingAClusterAndSentinelAreMadeFromTheirProperties_andTrustedCertificatesNeedTls() {
        runner.withPropertyValues("shardcache.redis.ring.cache-1=redis://127.0.0.1:1",
                "shardcache.redis.ring.cache-2=redis://127.0.0.1:2", "shardcache.redis.command-timeout=200ms")
            .run(context -> {
                assertThat(context).hasNotFailed();
                CacheBackend ring = context.getBean(CacheBackend.class);
                assertThat(ring).isInstanceOf(io.shardcache.query.BackendRing.class);
                assertThat(ring.describe()).contains("cache-1").contains("127.0.0.1:1").contains("cache-2").contains("127.0.0.1:2");
            });
        runner.withPropertyValues("shardcache.redis.cluster-nodes=redis://127.0.0.1:7001,redis://127.0.0.1:7002",
                "shardcache.redis.command-timeout=200ms")
            .run(context -> {
                assertThat(context).hasNotFailed();
                assertThat(context.getBean(CacheBackend.class).describe()).contains("127.0.0.1:7001").contains("127.0.0.1:7002");
            });
        runner.withPropertyValues("shardcache.redis.sentinel-master=mymaster",
                "shardcache.redis.sentinels=redis://127.0.0.1:26391", "shardcache.redis.command-timeout=200ms")
            .run(context -> {
                assertThat(context).hasNotFailed();
                assertThat(context.getBean(CacheBackend.class).describe()).contains("mymaster").contains("26391");
            });
        runner.withPropertyValues("shardcache.redis.sentinel-master=mymaster").run(context -> {
            assertThat(context).hasFailed();
            assertThat(messages(context.getStartupFailure()))
                .contains("shardcache.redis.sentinel-master and shardcache.redis.sentinels go together");
        });
        runner.withPropertyValues("shardcache.redis.uri=redis://127.0.0.1:1", "shardcache.redis.trusted-certificates=/no/such.pem")
            .run(context -> {
                assertThat(context).hasFailed();
                assertThat(messages(context.getStartupFailure())).contains("shardcache.redis")
                    .contains("trustedCertificates(/no/such.pem) is for TLS");
            });
        runner.withPropertyValues("shardcache.redis.uri=redis://127.0.0.1:1", "shardcache.redis.read-connections=0")
            .run(context -> {
                assertThat(context).hasFailed();
                assertThat(messages(context.getStartupFailure())).contains("shardcache.redis")
                    .contains("readConnections must be between 1 and 64, got 0");
            });
    }

    @Test
    void everyRegionPropertyReachesTheRegion() {
        runner.withPropertyValues(
                "shardcache.regions.all.ttl=2m",
                "shardcache.regions.all.stale-for=1h",
                "shardcache.regions.all.async-refresh=true",
                "shardcache.regions.all.early-refresh=1.5",
                "shardcache.regions.all.lock-wait=3s",
                "shardcache.regions.all.lock-lease=40s",
                "shardcache.regions.all.max-entry-size=2MB",
                "shardcache.regions.all.compress-above=4KB",
                "shardcache.regions.all.on-lock-timeout=fail",
                "shardcache.regions.all.on-backend-failure=fail",
                "shardcache.regions.all.on-refresh-failure=fail",
                "shardcache.regions.all.near-cache-entries=500",
                "shardcache.regions.all.near-cache-max-age=30s",
                "shardcache.regions.all.near-cache-max-lag=250ms",
                "shardcache.regions.all.table-generations=false",
                "shardcache.circuit-breaker.failures=7",
                "shardcache.circuit-breaker.open-for=5s")
            .run(context -> {
                assertThat(context).hasNotFailed();
                Region r = context.getBean(CachingDSL.class).regions().get("all");
                assertThat(r.ttl()).isEqualTo(Duration.ofMinutes(2));
                assertThat(r.staleFor()).isEqualTo(Duration.ofHours(1));
                assertThat(r.asyncRefresh()).isTrue();
                assertThat(r.earlyRefresh()).isEqualTo(1.5);
                assertThat(r.lockWait()).isEqualTo(Duration.ofSeconds(3));
                assertThat(r.lockLease()).isEqualTo(Duration.ofSeconds(40));
                assertThat(r.maxEntryBytes()).isEqualTo(2 * 1024 * 1024);
                assertThat(r.compressAbove()).isEqualTo(4 * 1024);
                assertThat(r.onLockTimeout()).isEqualTo(OnLockTimeout.FAIL);
                assertThat(r.onBackendFailure()).isEqualTo(OnBackendFailure.FAIL);
                assertThat(r.onRefreshFailure()).isEqualTo(OnRefreshFailure.FAIL);
                assertThat(r.nearCacheEntries()).isEqualTo(500);
                assertThat(r.nearCacheMaxAge()).isEqualTo(Duration.ofSeconds(30));
                assertThat(r.nearCacheMaxLag()).isEqualTo(Duration.ofMillis(250));
                assertThat(r.tableGenerations()).isFalse();
                Region items = context.getBean(CachingDSL.class).regions().get("items");
                assertThat(items.staleFor()).as("left out: the default").isEqualTo(Region.DEFAULT_STALE_FOR);
                assertThat(context.getBean(CachingDSL.class).health().toString()).doesNotContain("circuit");
            });
    }

    @Test
    void aBadDurationFailsStartUpNamingThePropertyAndTheValue() {
        runner.withPropertyValues("shardcache.regions.items.stale-for=ten minutes").run(context -> {
            assertThat(context).hasFailed();
            assertThat(messages(context.getStartupFailure()))
                .contains("shardcache.regions.items.stale-for").contains("ten minutes");
        });
    }

    @Test
    void anUnknownRegionSettingFailsStartUpNamingIt() {
        runner.withPropertyValues("shardcache.regions.items.tll=5m").run(context -> {
            assertThat(context).hasFailed();
            assertThat(messages(context.getStartupFailure())).contains("shardcache.regions.items.tll");
        });
    }

    @Test
    void aValueTheRegionRefusesFailsStartUpNamingTheRegionAndTheSetting() {
        runner.withPropertyValues("shardcache.regions.items.lock-wait=-1s").run(context -> {
            assertThat(context).hasFailed();
            assertThat(messages(context.getStartupFailure())).contains("shardcache.regions.items")
                .contains("lockWait must not be negative, got PT-1S");
        });
        runner.withPropertyValues("shardcache.regions.items.near-cache-entries=10").run(context -> {
            assertThat(context).hasFailed();
            assertThat(messages(context.getStartupFailure()))
                .contains("shardcache.regions.items.near-cache-entries and shardcache.regions.items.near-cache-max-age go together");
        });
        runner.withPropertyValues("shardcache.regions.items.async-refresh=true").run(context -> {
            assertThat(context).hasFailed();
            assertThat(messages(context.getStartupFailure())).contains("asyncRefresh(true) needs staleFor > 0");
        });
    }

    @Test
    void twoWaysToReachRedisFailStartUp_andNoRegionAtAllSaysHowToDefineOne() {
        runner.withPropertyValues("shardcache.redis.uri=redis://a:6379", "shardcache.redis.cluster-nodes=redis://b:7000")
            .run(context -> {
                assertThat(context).hasFailed();
                assertThat(messages(context.getStartupFailure()))
                    .contains("set one of shardcache.redis.uri, shardcache.redis.cluster-nodes");
            });
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, JooqAutoConfiguration.class,
                ShardcacheAutoConfiguration.class))
            .withPropertyValues("spring.datasource.url=" + schema.jdbcUrl(),
                "spring.datasource.username=" + schema.postgres().user())
            .run(context -> {
                assertThat(context).hasFailed();
                assertThat(messages(context.getStartupFailure())).contains("shardcache.regions: no region is defined");
            });
    }

    @Test
    void shardcacheEnabledFalseLeavesBootsJooqAsItIs() {
        runner.withPropertyValues("shardcache.enabled=false").run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(CachingDSL.class).hasSingleBean(DSLContext.class);
        });
    }

    @Test
    void withAMeterRegistryTheRegionsAreMetered_andCustomizersAndListenerBeansTakePart() {
        List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
            .withBean(io.shardcache.query.spi.CacheListener.class, () -> new io.shardcache.query.spi.CacheListener() {
                @Override
                public void miss(io.shardcache.query.CacheKey key) {
                    heard.add("miss " + key.region());
                }
            })
            .withBean(ShardcacheCustomizer.class, () -> new ShardcacheCustomizer() {
                @Override
                public void regions(io.shardcache.query.Regions.Builder regions) {
                    regions.region("coded", r -> r.ttl(Duration.ofSeconds(90)));
                }

                @Override
                public void region(String name, Region.Builder region) {
                    region.cacheIf(rows -> !rows.isEmpty());
                }
            })
            .run(context -> {
                assertThat(context).hasNotFailed().hasSingleBean(ShardcacheMetrics.class);
                CachingDSL cached = context.getBean(CachingDSL.class);
                assertThat(cached.regions().get("coded").ttl()).isEqualTo(Duration.ofSeconds(90));
                DSLContext items = cached.fromCache("items");
                assertThat(items.select(NAME).from(ITEMS).where(ID.eq(99)).fetch()).isEmpty();
                assertThat(cached.stats("items").skippedDeclined()).as("the customizer's cacheIf").isEqualTo(1);
                read(items, 7);
                read(items, 7);
                MeterRegistry registry = context.getBean(MeterRegistry.class);
                assertThat(registry.find("shardcache.cache.gets").tag("region", "items").tag("result", "hit").counter()).isNotNull()
                    .satisfies(c -> assertThat(c.count()).isEqualTo(1.0));
                assertThat(registry.find("shardcache.backend.health").gauge()).isNotNull()
                    .satisfies(g -> assertThat(g.value()).isEqualTo(1.0));
                assertThat(heard).containsExactly("miss items", "miss items");
            });
    }

    @Test
    void theEndpointListsRegionsAndInvalidates_whenActuatorExposesIt() {
        runner.withConfiguration(AutoConfigurations.of(
                org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration.class,
                ShardcacheEndpointAutoConfiguration.class))
            .run(context -> assertThat(context).as("not exposed: no endpoint").doesNotHaveBean(ShardcacheEndpoint.class));
        runner.withConfiguration(AutoConfigurations.of(
                org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration.class,
                ShardcacheEndpointAutoConfiguration.class))
            .withPropertyValues("management.endpoints.jmx.exposure.include=shardcache", "spring.jmx.enabled=true")
            .run(context -> {
                assertThat(context).hasNotFailed().hasSingleBean(ShardcacheEndpoint.class);
                ShardcacheEndpoint endpoint = context.getBean(ShardcacheEndpoint.class);
                CachingDSL cached = context.getBean(CachingDSL.class);
                DSLContext items = cached.fromCache("items");
                read(items, 8);
                read(items, 8);

                var all = endpoint.cache();
                assertThat(all).containsEntry("health", "UP").containsKey("regions");
                var region = endpoint.region("items");
                assertThat(region).containsEntry("ttl", "PT10M");
                assertThat(region.get("stats")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                    .containsEntry("hits", 1L).containsEntry("misses", 1L);

                endpoint.invalidateRegion("items");
                read(items, 8);
                assertThat(cached.stats("items").misses()).as("after the region was invalidated").isEqualTo(2);
                endpoint.invalidateTables("items");
                read(items, 8);
                assertThat(cached.stats("items").outdatedEntries()).as("after its table was invalidated").isEqualTo(1);

                assertThatThrownBy(() -> endpoint.region("nope"))
                    .isInstanceOf(org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException.class)
                    .hasMessageContaining("unknown cache region 'nope'");
                assertThatThrownBy(() -> endpoint.invalidateTables(" , "))
                    .isInstanceOf(org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException.class);
            });
    }

    private static String messages(Throwable failure) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause())
            all.append(t.getMessage()).append('\n');
        return all.toString();
    }
}
