package io.shardcache.sharding;

import java.time.Instant;
import java.util.Objects;

/**
 * The parts of an ID in {@link ShardIdLayout}: when it was made (to the millisecond), the logical shard that
 * made it, and its sequence within that millisecond. Made by {@link ShardIdLayout#decode(long)}; an immutable
 * value, safe to share.
 *
 * @param createdAt when the ID was made, to the millisecond
 * @param shard     the logical shard, in {@code [0, }{@link ShardIdLayout#MAX_SHARDS}{@code )}
 * @param sequence  the sequence within the millisecond, in
 *                  {@code [0, }{@link ShardIdLayout#SEQUENCES_PER_MILLISECOND}{@code )}
 */
public record ShardId(Instant createdAt, int shard, int sequence) {

    public ShardId {
        Objects.requireNonNull(createdAt, "createdAt");
        ShardIdLayout.requireShard(shard);
        if (sequence < 0 || sequence >= ShardIdLayout.SEQUENCES_PER_MILLISECOND) {
            throw new IllegalArgumentException("sequence " + sequence + " is outside 0.."
                    + (ShardIdLayout.SEQUENCES_PER_MILLISECOND - 1));
        }
    }
}
