package io.shardcache.sharding;

/**
 * Maps a shard key to a logical shard: the one decision every sharded read and write starts with.
 *
 * <p>A router is a pure function of the key and the shard count (except {@link Routers#roundRobin()},
 * which spreads keyless work): the same key must land on the same shard in every process, on every
 * JVM version, for the life of the data, so implementations hash with fixed algorithms, never with
 * {@link Object#hashCode()} of types whose hash is not specified.
 *
 * <p>Implementations are thread-safe and never return a value outside {@code [0, shards)}. A
 * {@code null} key, or a key of a type the router cannot place, is refused with an
 * {@link IllegalArgumentException} that names the key's type.
 */
@FunctionalInterface
public interface ShardRouter {

    /**
     * The logical shard of {@code key}.
     *
     * @param key    the shard key (a user id, an account UUID, an ID carrying its shard...)
     * @param shards the number of logical shards, at least 1
     * @return a shard in {@code [0, shards)}
     */
    int shardOf(Object key, int shards);
}
