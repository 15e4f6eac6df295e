package io.shardcache.sharding;

/**
 * {@link QueryRouting} could not tell from a query which shard it belongs to, or the query belongs to more
 * shards than the call allows. Thrown before anything is sent to a database. The message names the sharded
 * table and column that lack a pinning predicate (or the shards the query would need), and what to do
 * instead: add an equality or {@code IN} predicate on the shard key, or run the query through
 * {@link Sharding#onAll}.
 */
public class UnroutableQueryException extends ShardingException {

    public UnroutableQueryException(String message) {
        super(message);
    }
}
