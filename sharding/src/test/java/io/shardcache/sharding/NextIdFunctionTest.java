package io.shardcache.sharding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NextIdFunctionTest {
    private static final NextIdFunction FUNCTION =
            NextIdFunction.of(ShardIdLayout.withEpoch(Instant.parse("2011-08-24T21:07:01.721Z")));

    @Test
    void sqlCarriesTheLayoutTheShardAndTheQuotedSchema() {
        String sql = FUNCTION.installSql("shard_0007", 7);
        assertThat(sql)
                .contains("create sequence if not exists \"shard_0007\".next_id_seq;")
                .contains("create or replace function \"shard_0007\".next_id() returns bigint")
                .contains("epoch_ms constant bigint := 1314220021721;")
                .contains("shard_id constant bigint := 7;")
                .contains("(elapsed << 23) | (shard_id << 10) | (nextval('\"shard_0007\".next_id_seq') % 1024)")
                .contains("elapsed > 1099511627775");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1shard", "shard-1", "a\"b", "a'b", "a$b", "x y", "shard_0007; drop table t",
            "a234567890123456789012345678901234567890123456789012345678901234"})
    void refusesSchemaNamesThatAreNotPlainIdentifiers(String schema) {
        assertThatThrownBy(() -> FUNCTION.installSql(schema, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + schema + "'").hasMessageContaining("not a plain identifier");
    }

    @Test
    void refusesNullSchemaAndShardsTheLayoutCannotCarry() {
        assertThatThrownBy(() -> FUNCTION.installSql(null, 1)).hasMessageContaining("schema name null");
        assertThatThrownBy(() -> FUNCTION.installSql("s", 8192)).hasMessageContaining("shard 8192");
        assertThatThrownBy(() -> FUNCTION.installSql("s", -1)).hasMessageContaining("shard -1");
    }
}
