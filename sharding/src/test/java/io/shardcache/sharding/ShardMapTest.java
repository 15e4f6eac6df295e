package io.shardcache.sharding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShardMapTest {

    static HikariConfig config(String db) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl("jdbc:postgresql://127.0.0.1:5432/" + db + "?user=postgres");
        return c;
    }

    @Test
    void mapsShardsToServersAndSchemas() {
        ShardMap map = ShardMap.builder().logicalShards(4096).schemaPattern("shard_%04d")
            .physical("db2", config("b"), 2048, 4096)
            .physical("db1", config("a"), 0, 2048)
            .replica("db1", config("a_replica"))
            .build();
        assertThat(map.servers()).extracting(PhysicalServer::name).containsExactly("db1", "db2");
        assertThat(map.serverOf(0).name()).isEqualTo("db1");
        assertThat(map.serverOf(2047).name()).isEqualTo("db1");
        assertThat(map.serverOf(2048).name()).isEqualTo("db2");
        assertThat(map.serverOf(4095).name()).isEqualTo("db2");
        assertThat(map.schemaOf(42)).isEqualTo("shard_0042");
        assertThat(map.applicationSchema()).isEqualTo(ShardMap.DEFAULT_APPLICATION_SCHEMA);
        assertThat(map.server("db1").replicas()).isEqualTo(1);
        assertThat(map.server("db2").replicas()).isZero();
        assertThat(map.server("db1").address()).isEqualTo("jdbc:postgresql://127.0.0.1:5432/a");
        assertThat(map.replicaConfigs("db1")).hasSize(1);
    }

    @Test
    void configChangedAfterPhysicalIsNotSeen() {
        HikariConfig c = config("a");
        ShardMap map = ShardMap.builder().logicalShards(2).physical("db1", c, 0, 2).build();
        c.setJdbcUrl("jdbc:postgresql://elsewhere/x");
        assertThat(map.primaryConfig("db1").getJdbcUrl()).contains("127.0.0.1:5432/a");
        assertThat(map.primaryConfig("db1")).isNotSameAs(map.primaryConfig("db1"));
    }

    @Test
    void overlapNamesBothServersAndTheShards() {
        assertThatThrownBy(() -> ShardMap.builder().logicalShards(4096)
            .physical("db1", config("a"), 0, 2050)
            .physical("db2", config("b"), 2048, 4096).build())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("logical shards [2048, 2050) are claimed by both db1 [0, 2050) and db2 [2048, 4096)");
    }

    @Test
    void gapsAreNamedWhereverTheyAre() {
        assertThatThrownBy(() -> ShardMap.builder().logicalShards(400)
            .physical("db1", config("a"), 0, 100)
            .physical("db2", config("b"), 200, 300).build())
            .hasMessageContaining("logical shards [100, 200) belong to no physical server")
            .hasMessageContaining("logical shards [300, 400) belong to no physical server");
        assertThatThrownBy(() -> ShardMap.builder().logicalShards(16).physical("db1", config("a"), 4, 16).build())
            .hasMessageContaining("logical shards [0, 4) belong to no physical server");
    }

    @Test
    void rangePastTheLastShardIsRefused() {
        assertThatThrownBy(() -> ShardMap.builder().logicalShards(16).physical("db1", config("a"), 0, 32).build())
            .hasMessageContaining("db1 [0, 32) reaches past the last logical shard: there are 16 logical shards");
    }

    @Test
    void emptyOrNegativeRangeIsRefusedAtOnce() {
        assertThatThrownBy(() -> ShardMap.builder().physical("db1", config("a"), 5, 5))
            .hasMessageContaining("physical server 'db1' has the empty or negative range [5, 5)");
        assertThatThrownBy(() -> ShardMap.builder().physical("db1", config("a"), -1, 5))
            .hasMessageContaining("[-1, 5)");
    }

    @Test
    void duplicateServerNameIsRefused() {
        assertThatThrownBy(() -> ShardMap.builder().physical("db1", config("a"), 0, 8).physical("db1", config("b"), 8, 16))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("physical server 'db1' is already declared as db1 [0, 8)");
    }

    @Test
    void twoServersOnOneDatabaseAreRefused() {
        assertThatThrownBy(() -> ShardMap.builder().logicalShards(16)
            .physical("db1", config("a"), 0, 8).physical("db2", config("a"), 8, 16).build())
            .hasMessageContaining("physical servers 'db1' and 'db2' have the same JDBC URL jdbc:postgresql://127.0.0.1:5432/a");
    }

    @Test
    void replicaOfUnknownServerListsTheKnownOnes() {
        assertThatThrownBy(() -> ShardMap.builder().logicalShards(16)
            .physical("db1", config("a"), 0, 8).physical("db2", config("b"), 8, 16)
            .replica("db3", config("c")).build())
            .hasMessageContaining("replica of unknown physical server 'db3': the known servers are [db1, db2]");
    }

    @Test
    void replicaMayBeDeclaredBeforeItsServer() {
        ShardMap map = ShardMap.builder().logicalShards(2).replica("db1", config("r")).physical("db1", config("a"), 0, 2).build();
        assertThat(map.server("db1").replicas()).isEqualTo(1);
    }

    @Test
    void eachOptionIsSetOnce() {
        assertThatThrownBy(() -> ShardMap.builder().logicalShards(16).logicalShards(32))
            .hasMessage("logicalShards is already set to 16; each option may be set once");
        assertThatThrownBy(() -> ShardMap.builder().schemaPattern("a_%d").schemaPattern("b_%d"))
            .hasMessageContaining("schemaPattern is already set to a_%d");
        assertThatThrownBy(() -> ShardMap.builder().applicationSchema("app").applicationSchema("x"))
            .hasMessageContaining("applicationSchema is already set to app");
    }

    @Test
    void requiredPartsAreNamed() {
        assertThatThrownBy(() -> ShardMap.builder().physical("db1", config("a"), 0, 2).build())
            .hasMessageContaining("logicalShards(int) is required");
        assertThatThrownBy(() -> ShardMap.builder().logicalShards(2).build())
            .hasMessageContaining("no physical server declared");
        assertThatThrownBy(() -> ShardMap.builder().logicalShards(0))
            .hasMessageContaining("logicalShards 0 is outside [1, 65536]");
    }

    @Test
    void patternWithoutNumberGivesSameNameToTwoShards() {
        assertThatThrownBy(() -> ShardMap.builder().logicalShards(4).schemaPattern("shard")
            .physical("db1", config("a"), 0, 4).build())
            .hasMessageContaining("gives logical shards 0 and 1 the same schema name 'shard'");
    }

    @Test
    void patternThatCannotFormatIsNamed() {
        assertThatThrownBy(() -> ShardMap.builder().logicalShards(4).schemaPattern("shard_%d_%d")
            .physical("db1", config("a"), 0, 4).build())
            .hasMessageContaining("schema pattern 'shard_%d_%d' cannot format logical shard 0");
        assertThatCode(() -> ShardMap.builder().logicalShards(4).schemaPattern("shard_%x")
            .physical("db1", config("a"), 0, 4).build()).doesNotThrowAnyException();
    }

    @Test
    void namesPostgresWouldTruncateOrRefuseAreRefused() {
        String longPrefix = "s".repeat(60) + "_%04d";
        assertThatThrownBy(() -> ShardMap.builder().logicalShards(4).schemaPattern(longPrefix)
            .physical("db1", config("a"), 0, 4).build())
            .hasMessageContaining("is 65 bytes long and PostgreSQL truncates identifiers to 63 bytes");
        assertThatThrownBy(() -> ShardMap.builder().logicalShards(4).schemaPattern("pg_%d")
            .physical("db1", config("a"), 0, 4).build())
            .hasMessageContaining("gives logical shard 0 the schema name 'pg_0'")
            .hasMessageContaining("reserved for system schemas");
        assertThatThrownBy(() -> ShardMap.builder().logicalShards(4).schemaPattern("shard%c")
            .physical("db1", config("a"), 0, 4).build())
            .hasMessageContaining("it contains a NUL character");
        assertThatThrownBy(() -> ShardMap.builder().logicalShards(1).schemaPattern("shardcache%.0s")
            .physical("db1", config("a"), 0, 1).build())
            .hasMessageContaining("reserved for shardcache's metadata");
    }

    @Test
    void quotedNamesKeepCaseAndPunctuation() {
        ShardMap map = ShardMap.builder().logicalShards(3).schemaPattern("Shard-%d")
            .physical("db1", config("a"), 0, 3).build();
        assertThat(List.of(map.schemaOf(0), map.schemaOf(2))).containsExactly("Shard-0", "Shard-2");
    }

    @Test
    void shardOutOfRangeIsNamed() {
        ShardMap map = ShardMap.builder().logicalShards(16).physical("db1", config("a"), 0, 16).build();
        assertThatThrownBy(() -> map.schemaOf(16))
            .hasMessage("logical shard 16 does not exist: the map has 16 logical shards, [0, 16)");
        assertThatThrownBy(() -> map.serverOf(-1)).hasMessageContaining("logical shard -1 does not exist");
        assertThatThrownBy(() -> map.server("db9")).hasMessageContaining("unknown physical server 'db9': the map has [db1 [0, 16)]");
    }

    @Test
    void aServerDeclaredWithoutShardsHoldsNoneAndIsListedLast() {
        ShardMap map = ShardMap.builder().logicalShards(4)
            .physical("db3", config("c"))
            .physical("db1", config("a"), 0, 4)
            .build();
        assertThat(map.servers()).extracting(PhysicalServer::name).containsExactly("db1", "db3");
        assertThat(map.server("db3").shardCount()).isZero();
        assertThat(map.server("db3").describe()).isEqualTo("db3 (no initial shards)");
        for (int shard = 0; shard < 4; shard++)
            assertThat(map.serverOf(shard).name()).isEqualTo("db1");
        assertThatThrownBy(() -> ShardMap.builder().logicalShards(4).physical("db1", config("a"), 0, 4).physical("db1", config("b")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'db1' is already declared as db1 [0, 4)");
        assertThatThrownBy(() -> ShardMap.builder().logicalShards(4).physical("db3", config("c")).build())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("logical shards [0, 4) belong to no physical server");
    }
}
