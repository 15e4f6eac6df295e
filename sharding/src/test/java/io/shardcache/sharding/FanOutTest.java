package io.shardcache.sharding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FanOutTest {

    @Test
    void defaults() {
        FanOut d = FanOut.builder().build();
        assertThat(d).isEqualTo(FanOut.defaults());
        assertThat(d.policy()).isEqualTo(FanOut.DEFAULT_POLICY);
        assertThat(d.shardTimeout()).isEqualTo(FanOut.DEFAULT_SHARD_TIMEOUT);
        assertThat(d.mode()).isEqualTo(FanOutMode.CONNECTION_PER_SHARD);
    }

    @Test
    void optionsAreSetOnceAndChecked() {
        assertThatThrownBy(() -> FanOut.builder().policy(FanOutPolicy.BEST_EFFORT).policy(FanOutPolicy.FAIL_FAST))
            .hasMessage("policy is already set to BEST_EFFORT; each option may be set once");
        assertThatThrownBy(() -> FanOut.builder().shardTimeout(Duration.ZERO).build())
            .hasMessageContaining("shardTimeout PT0S must be at least 1 ms");
    }

    @Test
    void resultSortsOutcomes() {
        ShardingException boom = new ShardingException("boom", 1, "db1", null);
        FanOutResult<Integer> r = new FanOutResult<>(List.of(
            new ShardOutcome.Answered<>(0, "db1", "s0", 10, Duration.ofMillis(1)),
            new ShardOutcome.Failed<>(1, "db1", "s1", boom, Duration.ofMillis(2)),
            new ShardOutcome.Answered<>(2, "db2", "s2", null, Duration.ofMillis(3))), Duration.ofMillis(5));
        assertThat(r.values()).containsExactly(10, null);
        assertThat(r.missingShards()).containsExactly(1);
        assertThat(r.isComplete()).isFalse();
        assertThat(r.failures().getFirst().error()).isSameAs(boom);
        assertThat(r.answers()).extracting(ShardOutcome::shard).containsExactly(0, 2);
    }
}
