package io.shardcache.sharding;

/** How a fan-out takes connections from the physical servers' pools. */
public enum FanOutMode {
    /**
     * Each logical shard runs on its own virtual thread with a connection of its own, at most as many at
     * once per physical server as its pool's {@code maximumPoolSize}. Fastest when a server's shards each
     * do real work and the pool has room.
     */
    CONNECTION_PER_SHARD,
    /**
     * Each physical server gets one virtual thread and one connection, and the function runs once per
     * logical shard on it, one shard after the other, in shard order. A server's shards then cost one
     * connection instead of one each: the mode for many small per-shard queries (counts, lookups), and
     * for fan-outs that must leave the pools to the application's own traffic. If a shard times out its
     * connection may be broken, so the server's remaining shards continue on a fresh one.
     */
    CONNECTION_PER_SERVER
}
