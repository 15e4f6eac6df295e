package io.shardcache.sharding.internal;

import io.shardcache.sharding.ShardRouter;
import java.util.Arrays;

/**
 * Shard {@code i} owns the integral keys in {@code [bound(i-1), bound(i))}, with {@code bound(-1)} the
 * smallest long. Immutable; the bounds are checked to be strictly increasing when the router is made, and
 * their count against the shard count on every call, since the router does not know the map it serves.
 */
public final class RangeRouter implements ShardRouter {
    private final long[] upperBounds;

    public RangeRouter(long[] upperBounds) {
        if (upperBounds == null || upperBounds.length == 0) {
            throw new IllegalArgumentException("range router needs one upper bound per shard, got none");
        }
        for (int i = 1; i < upperBounds.length; i++) {
            if (upperBounds[i] <= upperBounds[i - 1]) {
                throw new IllegalArgumentException("range router bounds must increase strictly, but bound " + i
                        + " (" + upperBounds[i] + ") is not above bound " + (i - 1) + " (" + upperBounds[i - 1]
                        + "); bounds=" + Arrays.toString(upperBounds));
            }
        }
        this.upperBounds = upperBounds.clone();
    }

    @Override
    public int shardOf(Object key, int shards) {
        RouterChecks.requireShards(shards, this);
        if (shards != upperBounds.length) {
            throw new IllegalArgumentException("router " + this + " has " + upperBounds.length
                    + " upper bounds but is asked to route over shards=" + shards + "; give one bound per shard");
        }
        if (key == null) {
            throw ShardKeys.nullKey(toString());
        }
        if (!ShardKeys.isIntegral(key)) {
            throw new IllegalArgumentException("router " + this + " places integral keys only (Long, Integer, "
                    + "Short, Byte), not a key of type " + key.getClass().getName());
        }
        long value = ShardKeys.integralValue(key);
        // Shard i is the first whose (exclusive) upper bound lies above the key.
        int index = Arrays.binarySearch(upperBounds, value);
        int shard = index >= 0 ? index + 1 : -index - 1;
        if (shard == upperBounds.length) {
            throw new IllegalArgumentException("router " + this + " has no shard for key " + value
                    + ": the last shard ends before " + upperBounds[upperBounds.length - 1]);
        }
        return shard;
    }

    @Override
    public String toString() {
        return "range" + Arrays.toString(upperBounds);
    }
}
