package io.shardcache.sharding;

/**
 * Told how a {@linkplain ShardMoves shard move} progresses. Called on the moving thread: a slow listener
 * slows the move, and one that throws is logged and ignored.
 */
@FunctionalInterface
public interface MoveListener {

    /** A listener that does nothing. */
    MoveListener NONE = (shard, from, to, step, detail) -> { };

    /**
     * Logical shard {@code shard} reached {@code step} of its move from {@code from} to {@code to};
     * {@code detail} says more (rows copied, the fence's length), in words for a log.
     */
    void step(int shard, String from, String to, MoveStep step, String detail);

    /**
     * {@link ShardMoves#run(MovePlan)} is about to make move {@code index} (from 1) of {@code total}; its steps
     * follow through {@link #step}. Does nothing unless overridden.
     */
    default void planned(int index, int total, MovePlan.Move move) {
    }
}
