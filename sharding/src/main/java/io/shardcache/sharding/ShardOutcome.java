package io.shardcache.sharding;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * What one logical shard did in a fan-out: {@link Answered} with a value or {@link Failed} with an error.
 * Immutable values.
 *
 * @param <T> the type of the per-shard value
 */
public sealed interface ShardOutcome<T extends @Nullable Object> permits ShardOutcome.Answered, ShardOutcome.Failed {

    /** The logical shard. */
    int shard();

    /** The name of the physical server that holds it. */
    String server();

    /** The shard's schema. */
    String schema();

    /**
     * From the moment the shard got its turn (a permit of its server, see {@link FanOutMode}) until it
     * answered or failed; zero for a shard that never started (cancelled, or its server was already known
     * to be down).
     */
    Duration latency();

    /** The shard answered: {@code value} is what the function returned (possibly {@code null}). */
    record Answered<T extends @Nullable Object>(int shard, String server, String schema, T value, Duration latency)
        implements ShardOutcome<T> {
    }

    /**
     * The shard failed, timed out, or was not run; {@code error}'s message says which, with the shard,
     * server and schema, and its cause is the original failure.
     */
    record Failed<T extends @Nullable Object>(int shard, String server, String schema, ShardingException error,
                                              Duration latency)
        implements ShardOutcome<T> {
    }
}
