package io.shardcache.sharding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Options of ShardMigrations and EntityStore, checked without a database (the pools never connect). */
class ShardMigrationsTest {

    static Sharding sharding;

    @BeforeAll
    static void shardingOnDeadServers() throws Exception {
        HikariConfig one = TestDatabases.dead("one");
        one.setMaximumPoolSize(4);
        HikariConfig two = TestDatabases.dead("two");
        two.setMaximumPoolSize(6);
        sharding = Sharding.create(ShardMap.builder().logicalShards(4)
            .physical("one", one, 0, 2).physical("two", two, 2, 4).build(), Routers.modulo());
    }

    @AfterAll
    static void close() {
        sharding.close();
    }

    @Test
    void perShardPlaceholdersAreReserved() {
        for (String name : new String[] {"shard", "Schema", "SERVER"})
            assertThatThrownBy(() -> ShardMigrations.builder(sharding).placeholder(name, "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is set per shard by ShardMigrations");
        assertThatThrownBy(() -> ShardMigrations.builder(sharding).placeholder("flyway:user", "x"))
            .hasMessageContaining("'flyway:' namespace");
        assertThatThrownBy(() -> ShardMigrations.builder(sharding).placeholder("a", "1").placeholder("a", "2"))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("placeholder 'a' is already set to '1'");
    }

    @Test
    void eachOptionMayBeSetOnce() {
        assertThatThrownBy(() -> ShardMigrations.builder(sharding).policy(MigrationPolicy.CONTINUE).policy(MigrationPolicy.FAIL_FAST))
            .hasMessageContaining("policy is already set to CONTINUE");
        assertThatThrownBy(() -> ShardMigrations.builder(sharding).locations("classpath:a").locations("classpath:b"))
            .hasMessageContaining("locations is already set");
        assertThatThrownBy(() -> ShardMigrations.builder(sharding).locations()).hasMessageContaining("at least one location");
        assertThatThrownBy(() -> ShardMigrations.builder(sharding).parallelismPerServer(0)).hasMessageContaining("at least 1");
    }

    @Test
    void parallelismMustFitTheSmallestPool() {
        assertThat(ShardMigrations.builder(sharding).parallelismPerServer(2).build().toString())
            .contains("parallelismPerServer=2").contains("policy=FAIL_FAST").contains("classpath:db/shard");
        assertThatThrownBy(() -> ShardMigrations.builder(sharding).parallelismPerServer(3).build())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("parallelismPerServer 3 needs up to 6 connections of physical"
                + " server one, whose pool has maximumPoolSize 4: use at most 2, or a bigger pool");
    }

    @Test
    void entityStoreOptionsAreChecked() {
        assertThatThrownBy(() -> EntityStore.builder(sharding).build()).hasMessageContaining("layout(ShardIdLayout) is required");
        assertThatThrownBy(() -> EntityStore.builder(sharding).table("bad-name")).hasMessageContaining("not a plain identifier");
        EntityStore store = EntityStore.create(sharding, ShardIdLayout.withEpoch(Instant.parse("2024-01-01T00:00:00Z")));
        assertThat(store.installSql(3)).contains("create table if not exists \"shard_0003\".\"entities\"")
            .contains("default \"shard_0003\".next_id()").contains("shard_id constant bigint := 3;");
        assertThat(store.shardOf(ShardIdLayout.DEFAULT.encode(5, 3, 9))).isEqualTo(3);
        assertThatThrownBy(() -> store.shardOf(ShardIdLayout.DEFAULT.encode(5, 4, 9)))
            .hasMessageContaining("carries logical shard 4, but sharding 'default' has 4 logical shards");
    }
}
