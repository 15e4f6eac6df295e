package io.shardcache.sharding.internal;

import io.shardcache.sharding.ShardIdLayout;
import io.shardcache.sharding.ShardRouter;

/**
 * Reads the logical shard from the bits of an ID made by {@link ShardIdLayout}, so a row's ID routes to the
 * shard that made it with no lookup. Refuses an ID whose shard does not exist in the current shard count
 * rather than folding it onto another shard. Immutable.
 */
public final class IdEmbeddedRouter implements ShardRouter {
    private final ShardIdLayout layout;

    public IdEmbeddedRouter(ShardIdLayout layout) {
        if (layout == null) {
            throw new IllegalArgumentException("idEmbedded router needs a ShardIdLayout, got null");
        }
        this.layout = layout;
    }

    @Override
    public int shardOf(Object key, int shards) {
        RouterChecks.requireShards(shards, this);
        if (key == null) {
            throw ShardKeys.nullKey(toString());
        }
        if (!ShardKeys.isIntegral(key)) {
            throw new IllegalArgumentException("router " + this + " places integral IDs only (Long, Integer, "
                    + "Short, Byte), not a key of type " + key.getClass().getName());
        }
        long id = ShardKeys.integralValue(key);
        if (id < 0) {
            throw new IllegalArgumentException("router " + this + " cannot place ID " + id
                    + ": it is negative, and IDs of this layout are positive");
        }
        int shard = layout.shardOf(id);
        if (shard >= shards) {
            throw new IllegalArgumentException("router " + this + ": ID " + id + " carries shard " + shard
                    + ", which does not exist with shards=" + shards);
        }
        return shard;
    }

    @Override
    public String toString() {
        return "idEmbedded(epoch=" + layout.epoch() + ")";
    }
}
