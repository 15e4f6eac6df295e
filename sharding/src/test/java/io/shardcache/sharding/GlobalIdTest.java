package io.shardcache.sharding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GlobalIdTest {

    @Test
    void composesShardTimesTenToTheThirteenthPlusLocal() {
        GlobalId id = GlobalId.of(2, 1);
        assertThat(id.toLong()).isEqualTo(20_000_000_000_001L);
        assertThat(id.format()).isEqualTo("2~1");
        assertThat(id).hasToString("2~1");
        assertThat(GlobalId.fromLong(20_000_000_000_001L)).isEqualTo(id);
        assertThat(GlobalId.shardOf(20_000_000_000_001L)).isEqualTo(2);
        assertThat(GlobalId.localOf(20_000_000_000_001L)).isEqualTo(1);
        assertThat(GlobalId.format(20_000_000_000_001L)).isEqualTo("2~1");
        assertThat(GlobalId.of(0, 42).toLong()).isEqualTo(42);
    }

    @Test
    void parseReadsTheShortForm() {
        assertThat(GlobalId.parse("2~1")).isEqualTo(GlobalId.of(2, 1));
        assertThat(GlobalId.parse("0~9999999999999")).isEqualTo(GlobalId.of(0, 9_999_999_999_999L));
        assertThat(GlobalId.parse(GlobalId.of(GlobalId.MAX_SHARD, 9_999_999_999_999L).format()).toLong())
                .isEqualTo(GlobalId.MAX_SHARD * GlobalId.SHARD_MULTIPLIER + 9_999_999_999_999L);
    }

    @Test
    void theLargestGlobalIdFitsALong() {
        assertThat(GlobalId.MAX_SHARD).isEqualTo(922_336);
        long largest = GlobalId.of(GlobalId.MAX_SHARD, GlobalId.SHARD_MULTIPLIER - 1).toLong();
        assertThat(largest).isPositive();
        assertThat(GlobalId.fromLong(largest)).isEqualTo(GlobalId.of(GlobalId.MAX_SHARD, GlobalId.SHARD_MULTIPLIER - 1));
        assertThatThrownBy(() -> GlobalId.of(GlobalId.MAX_SHARD + 1, 0)).hasMessageContaining("922337");
        // Above the largest composable ID lies shard 922337, whose IDs would not all fit: refused, not wrapped.
        assertThatThrownBy(() -> GlobalId.fromLong(Long.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shard 922337");
    }

    @ParameterizedTest
    @ValueSource(strings = {"2~", "~1", "a~b", "-2~1", "2~-1", "2", "", "2~1~3", " 2~1", "2 ~1", "+2~1", "2~1.5"})
    void parseRefusesMalformedText(String text) {
        assertThatThrownBy(() -> GlobalId.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'").hasMessageContaining("<shard>~<local>");
    }

    @Test
    void parseRefusesPartsOutOfRange() {
        assertThatThrownBy(() -> GlobalId.parse("1~10000000000000")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("local part 10000000000000");
        assertThatThrownBy(() -> GlobalId.parse("922337~0")).hasMessageContaining("shard 922337");
        assertThatThrownBy(() -> GlobalId.parse("99999999999~0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GlobalId.parse(null)).hasMessageContaining("null");
    }

    @Test
    void refusesNegativeParts() {
        assertThatThrownBy(() -> GlobalId.of(-1, 1)).hasMessageContaining("shard -1");
        assertThatThrownBy(() -> GlobalId.of(1, -1)).hasMessageContaining("local part -1");
        assertThatThrownBy(() -> GlobalId.fromLong(-5)).hasMessageContaining("global id -5 is negative");
        assertThatThrownBy(() -> GlobalId.shardOf(-5)).hasMessageContaining("negative");
    }
}
