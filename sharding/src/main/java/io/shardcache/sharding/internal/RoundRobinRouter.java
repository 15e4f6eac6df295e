package io.shardcache.sharding.internal;

import io.shardcache.sharding.ShardRouter;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Ignores the key (it may be {@code null}) and hands out shards in turn, for keyless work such as spreading
 * log writes. One lock-free counter per router: concurrent callers each get the next turn, so over any run of
 * calls with one shard count every shard gets its share to within one. A 64-bit counter does not wrap in
 * practice, so the cycle never skips. Thread-safe.
 */
public final class RoundRobinRouter implements ShardRouter {
    private final AtomicLong turns = new AtomicLong();

    @Override
    public int shardOf(Object key, int shards) {
        RouterChecks.requireShards(shards, this);
        return (int) Math.floorMod(turns.getAndIncrement(), (long) shards);
    }

    @Override
    public String toString() {
        return "roundRobin";
    }
}
