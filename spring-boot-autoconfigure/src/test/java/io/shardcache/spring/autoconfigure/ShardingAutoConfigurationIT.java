package io.shardcache.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.shardcache.sharding.PhysicalServer;
import io.shardcache.sharding.Sharding;
import io.shardcache.testing.PostgresService;
import io.shardcache.testing.TestServices;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * A {@link Sharding} from {@code shardcache.sharding.*} over two databases of the test server standing in
 * for two physical servers: routing, the recorded map, HikariCP's meters, and the refusals.
 */
class ShardingAutoConfigurationIT {

    private final PostgresService postgres = TestServices.postgres();
    private final String prefix = "sc_boot_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private final List<String> databases = new ArrayList<>();
    private ApplicationContextRunner runner;

    @BeforeEach
    void setUp() throws Exception {
        String a = create("a"), b = create("b");
        runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ShardingAutoConfiguration.class))
            .withPropertyValues(
                "shardcache.sharding.logical-shards=8",
                "shardcache.sharding.name=boot",
                "shardcache.sharding.servers.db1.shards=0-3",
                "shardcache.sharding.servers.db1.pool.jdbc-url=" + postgres.jdbcUrl(a),
                "shardcache.sharding.servers.db1.pool.username=" + postgres.user(),
                "shardcache.sharding.servers.db1.pool.maximum-pool-size=3",
                "shardcache.sharding.servers.db2.shards=4-7",
                "shardcache.sharding.servers.db2.pool.jdbc-url=" + postgres.jdbcUrl(b),
                "shardcache.sharding.servers.db2.pool.username=" + postgres.user(),
                "shardcache.sharding.servers.db2.pool.maximum-pool-size=3");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (String db : databases)
            execute("drop database if exists " + db + " with (force)");
    }

    private String create(String suffix) throws Exception {
        String name = prefix + "_" + suffix;
        execute("create database " + name);
        databases.add(name);
        return name;
    }

    private void execute(String sql) throws Exception {
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    @Test
    void theMapRoutesKeysToTheServersItNames_andIsRecordedInEach() {
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(Sharding.class);
            Sharding sharding = context.getBean(Sharding.class);
            assertThat(sharding.map().logicalShards()).isEqualTo(8);
            assertThat(sharding.map().servers()).extracting(PhysicalServer::name).containsExactly("db1", "db2");
            for (long key = 0; key < 50; key++) {
                int shard = sharding.shardOf(key);
                String database = sharding.on(key).fetchValue(org.jooq.impl.DSL.field("current_database()", String.class));
                assertThat(database).as("key " + key + " on shard " + shard)
                    .isEqualTo(prefix + (shard < 4 ? "_a" : "_b"));
            }
            for (String db : List.of("_a", "_b"))
                try (Connection c = postgres.withDatabase(prefix + db).connect(); Statement s = c.createStatement();
                     var rs = s.executeQuery("select count(*) from shardcache.shard_map where map_name = 'boot'")) {
                    rs.next();
                    assertThat(rs.getInt(1)).as("the map recorded in " + db).isEqualTo(1);
                }
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            assertThat(registry.find("hikaricp.connections.max").tag("pool", "shardcache-db1").gauge()).isNotNull()
                .satisfies(g -> assertThat(g.value()).isEqualTo(3.0));
        });
    }

    @Test
    void badRangesAndMissingSettingsFailStartUpNamingTheProperty() {
        runner.withPropertyValues("shardcache.sharding.servers.db2.shards=4..7").run(context -> {
            assertThat(context).hasFailed();
            assertThat(messages(context.getStartupFailure()))
                .contains("shardcache.sharding.servers.db2.shards is '4..7': give the logical shards the server holds as first-last");
        });
        runner.withPropertyValues("shardcache.sharding.servers.db2.shards=5-7").run(context -> {
            assertThat(context).hasFailed();
            assertThat(messages(context.getStartupFailure())).contains("shardcache.sharding.*").contains("[4, 5)");
        });
        runner.withPropertyValues("shardcache.sharding.servers.db1.pool.maximum-pool-sise=3").run(context -> {
            assertThat(context).hasFailed();
            assertThat(messages(context.getStartupFailure())).contains("maximum-pool-sise");
        });
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ShardingAutoConfiguration.class))
            .withPropertyValues("shardcache.sharding.logical-shards=8").run(context -> {
                assertThat(context).hasFailed();
                assertThat(messages(context.getStartupFailure())).contains("shardcache.sharding.servers: no physical server");
            });
    }

    @Test
    void withoutLogicalShardsThereIsNoSharding() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ShardingAutoConfiguration.class))
            .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(Sharding.class));
    }

    private static String messages(Throwable failure) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause())
            all.append(t.getMessage()).append('\n');
        return all.toString();
    }
}
