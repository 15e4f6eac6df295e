package io.shardcache.sharding;

/**
 * The steps of a {@linkplain ShardMoves shard move}, in order, as {@link MoveListener#step} reports them.
 * Up to {@link #FLIPPED} a move that stops (a crash, a failure) is rolled back when it is run again, and then
 * begins anew; from {@code FLIPPED} on, the shard lives on the target and running it again finishes it.
 */
public enum MoveStep {
    /** Inputs checked, the move recorded on the source server. */
    STARTED,
    /** The shard's schema made on the target from the template and the migrations, empty. */
    TARGET_CREATED,
    /** Publication, replication slot and subscription made: the target is copying the shard. */
    COPYING,
    /** Every table copied; the target now applies the source's changes as they happen. */
    COPIED,
    /** The target applied everything the source had committed a moment ago. */
    CAUGHT_UP,
    /** Writes to this shard are held on the source while the last changes and the sequences go across. */
    FENCED,
    /** The source recorded the shard on the target, and renamed its own copy: the shard lives on the target. */
    FLIPPED,
    /** Every server knows; subscription, slot and publication are gone. The old copy waits for {@code cleanup}. */
    DONE
}
