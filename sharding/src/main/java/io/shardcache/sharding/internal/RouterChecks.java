package io.shardcache.sharding.internal;

import io.shardcache.sharding.ShardRouter;

/** Argument checks every router shares, so their messages read the same. */
final class RouterChecks {
    private RouterChecks() {
    }

    static void requireShards(int shards, ShardRouter router) {
        if (shards < 1) {
            throw new IllegalArgumentException("router " + router + " needs at least 1 shard, got shards=" + shards);
        }
    }
}
