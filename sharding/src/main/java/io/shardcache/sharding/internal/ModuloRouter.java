package io.shardcache.sharding.internal;

import io.shardcache.sharding.ShardRouter;

/**
 * {@code floorMod(value, shards)} for integral keys; the unsigned remainder of {@link ShardKeys#murmur3(byte[])}
 * for the others. Integral keys are not hashed on purpose: sequential ids spread perfectly and an operator
 * can compute a key's shard in their head. Changing the shard count moves almost every key. Stateless.
 */
public final class ModuloRouter implements ShardRouter {
    public static final ModuloRouter INSTANCE = new ModuloRouter();

    private ModuloRouter() {
    }

    @Override
    public int shardOf(Object key, int shards) {
        RouterChecks.requireShards(shards, this);
        if (key == null) {
            throw ShardKeys.nullKey(toString());
        }
        if (ShardKeys.isIntegral(key)) {
            return (int) Math.floorMod(ShardKeys.integralValue(key), (long) shards);
        }
        // Unsigned: a signed remainder would need floorMod and would weigh the halves of the range unevenly.
        return (int) Long.remainderUnsigned(ShardKeys.murmur3(ShardKeys.bytes(key, toString())), shards);
    }

    @Override
    public String toString() {
        return "modulo";
    }
}
