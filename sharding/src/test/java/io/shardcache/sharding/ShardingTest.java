package io.shardcache.sharding;

import static io.shardcache.sharding.Items.ID;
import static io.shardcache.sharding.Items.ITEMS;
import static io.shardcache.sharding.Items.MODULO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.jooq.DSLContext;
import org.jooq.conf.RenderMapping;
import org.jooq.conf.Settings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a Sharding does without reaching a server: its servers here listen on nothing. */
class ShardingTest {

    private Sharding sharding;

    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static HikariConfig dead(int port, String db) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl("jdbc:postgresql://127.0.0.1:" + port + "/" + db + "?user=postgres");
        c.setConnectionTimeout(250);
        c.setMinimumIdle(0);
        c.setMaximumPoolSize(2);
        return c;
    }

    @BeforeEach
    void createOnDeadServers() throws IOException {
        int port = closedPort();
        ShardMap map = ShardMap.builder().logicalShards(16).schemaPattern("shard_%04d").applicationSchema("app")
            .physical("db1", dead(port, "a"), 0, 8).physical("db2", dead(port, "b"), 8, 16).build();
        // Creating must not fail although no server answers.
        sharding = Sharding.create(map, MODULO);
    }

    @AfterEach
    void close() {
        sharding.close();
    }

    @Test
    void rendersTheApplicationSchemaAsTheShardsSchema() {
        String sql = sharding.on(42L).render(sharding.on(42L).selectFrom(ITEMS).where(ID.eq(42L)));
        assertThat(sharding.shardOf(42L)).isEqualTo(10);
        assertThat(sql).contains("\"shard_0010\".\"items\"").doesNotContain("\"app\"");
        String replicaSql = sharding.onReplica(3L).render(sharding.onReplica(3L).selectFrom(ITEMS));
        assertThat(replicaSql).contains("\"shard_0003\".\"items\"");
    }

    @Test
    void eachShardsContextIsBuiltOnce() {
        DSLContext first = sharding.onShard(5);
        assertThat(sharding.onShard(5)).isSameAs(first);
        assertThat(sharding.on(21L)).isSameAs(first);          // 21 mod 16 = 5
        assertThat(sharding.onShard(6)).isNotSameAs(first);
        assertThat(sharding.onReplicaShard(5)).isSameAs(sharding.onReplica(5L)).isNotSameAs(first);
        assertThat(Sharding.shardNumber(first)).isEqualTo(5);
        assertThat(first.configuration().data(Sharding.CACHE_SCOPE_DATA_KEY)).isEqualTo("default/5");
    }

    @Test
    void shardOutOfRangeIsNamed() {
        assertThatThrownBy(() -> sharding.onShard(16)).isInstanceOf(ShardingException.class)
            .hasMessage("logical shard 16 does not exist: the map has 16 logical shards, [0, 16)");
        assertThatThrownBy(() -> sharding.onReplicaShard(-1)).hasMessageContaining("logical shard -1 does not exist");
    }

    @Test
    void nullKeyAndBadRouterAnswersAreNamed() {
        assertThatThrownBy(() -> sharding.on(null)).hasMessageContaining("shard key must not be null");
        assertThatThrownBy(() -> sharding.on("text")).isInstanceOf(ShardingException.class)
            .hasMessageContaining("cannot place key text of type java.lang.String");
        try (Sharding bad = Sharding.create(sharding.map(), (key, n) -> n)) {
            assertThatThrownBy(() -> bad.on(1L)).hasMessageContaining("on logical shard 16, outside [0, 16)");
        }
    }

    @Test
    void serversAndSchemas() {
        assertThat(sharding.schemaOf(9)).isEqualTo("shard_0009");
        assertThat(sharding.serverOf(9).name()).isEqualTo("db2");
        assertThat(sharding.serverOf(7).name()).isEqualTo("db1");
    }

    @Test
    void templatesNeedTheirNamePlaceholder() {
        assertThatThrownBy(() -> sharding.createShard(1, "create table items (id int)"))
            .hasMessageContaining("shard template has no %{name} placeholder");
    }

    @Test
    void closedShardingSaysSo() {
        sharding.close();
        assertThatThrownBy(() -> sharding.onShard(1)).hasMessageContaining("sharding 'default' is closed");
    }

    @Test
    void settingsMustNotCarryARenderMapping() {
        assertThatThrownBy(() -> Sharding.builder(sharding.map(), MODULO)
            .settings(new Settings().withRenderMapping(new RenderMapping())))
            .hasMessageContaining("each shard's render mapping is set by the sharding");
        assertThatThrownBy(() -> Sharding.builder(sharding.map(), MODULO).name("a").name("b"))
            .hasMessageContaining("name is already set to a");
    }
}
