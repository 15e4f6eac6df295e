package io.shardcache.sharding;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A fan-out failed under {@link FanOutPolicy#FAIL_FAST} (the first failure, whose shard and server
 * {@link #shard()} and {@link #server()} name) or {@link FanOutPolicy#REQUIRE_ALL} (every failure, listed
 * in the message up to a limit and all in {@link #result()}). The cause is the first failure's cause.
 */
public class FanOutException extends ShardingException {

    private final transient FanOutResult<?> result;

    public FanOutException(String message, int shard, @Nullable String server, @Nullable Throwable cause,
                           FanOutResult<?> result) {
        super(message, shard, server, cause);
        this.result = result;
    }

    /**
     * Every shard's outcome: under {@code REQUIRE_ALL} the values of the shards that answered too; under
     * {@code FAIL_FAST} the shards cancelled because of the first failure appear as failures saying so.
     */
    public FanOutResult<?> result() {
        return result;
    }

    /** The failed shards, in shard order. */
    public List<? extends ShardOutcome.Failed<?>> failures() {
        return result.failures();
    }
}
