package io.shardcache.sharding.internal;

import io.shardcache.sharding.ShardRouter;

/**
 * Jump consistent hash (Lamping and Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm", 2014) of
 * {@link ShardKeys#hash64(Object, String)}.
 *
 * <p>The algorithm follows one key's bucket as the bucket count grows from 1: at each step a pseudo-random
 * generator seeded by the key decides where the key next jumps, and the key jumps to bucket {@code j} only
 * with probability {@code 1/(j+1)}, which is exactly the share a new bucket must take for the result to stay
 * balanced. Growing from n to n+1 buckets therefore moves about {@code 1/(n+1)} of the keys, all of them to
 * the new bucket. The generator is the paper's 64-bit LCG ({@code key * 2862933555777941757 + 1}), whose top
 * 31 bits give the jump distance. Expected O(ln n) steps, no memory. Stateless.
 */
public final class JumpHashRouter implements ShardRouter {
    public static final JumpHashRouter INSTANCE = new JumpHashRouter();

    private JumpHashRouter() {
    }

    @Override
    public int shardOf(Object key, int shards) {
        RouterChecks.requireShards(shards, this);
        return jump(ShardKeys.hash64(key, toString()), shards);
    }

    /** The paper's {@code JumpConsistentHash(key, num_buckets)}, with the key read as unsigned 64 bits. */
    static int jump(long key, int buckets) {
        long bucket = -1;
        long next = 0;
        while (next < buckets) {
            bucket = next;
            key = key * 2862933555777941757L + 1;
            next = (long) ((bucket + 1) * ((double) (1L << 31) / (double) ((key >>> 33) + 1)));
        }
        return (int) bucket;
    }

    @Override
    public String toString() {
        return "jumpHash";
    }
}
