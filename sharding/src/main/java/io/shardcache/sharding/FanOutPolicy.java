package io.shardcache.sharding;

/** What a fan-out ({@link Sharding#onAll(FanOut, java.util.function.Function)}) does when shards fail. */
public enum FanOutPolicy {
    /**
     * The first failure (an error, a timeout, a server that gives no connection) interrupts the shards still
     * running, fails the ones not started, and is thrown as a {@link FanOutException} naming its shard and
     * server. Cheapest when any missing shard makes the answer useless.
     */
    FAIL_FAST,
    /**
     * Every shard runs to its end or its timeout; if any failed, a {@link FanOutException} lists every
     * failure (and carries the shards that did answer).
     */
    REQUIRE_ALL,
    /**
     * Every shard runs to its end or its timeout, and the shards that answered are returned; the result
     * lists the shards that are missing and why ({@link FanOutResult#missingShards()}). Never throws for a
     * shard's failure.
     */
    BEST_EFFORT
}
