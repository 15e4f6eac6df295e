package io.shardcache.sharding;

import java.time.Duration;

/**
 * What one {@linkplain ShardMoves shard move} did.
 *
 * @param shard      the logical shard
 * @param from       the server it left
 * @param to         the server it lives on now
 * @param version    the map version the move recorded
 * @param rows       rows in the shard's tables on the target when the move ended
 * @param copy       from the start until the target had copied every table
 * @param writePause how long writes to the shard were held (the fence): the longest a write waited
 * @param total      the whole move
 * @param resumed    whether this call finished a move an earlier run had flipped but not finished
 */
public record MoveReport(int shard, String from, String to, long version, long rows, Duration copy, Duration writePause,
                         Duration total, boolean resumed) {

    /** Rows copied per second of the copy; 0 if it took no measurable time. */
    public double rowsPerSecond() {
        return copy.isZero() ? 0 : rows * 1e9 / copy.toNanos();
    }

    @Override
    public String toString() {
        return "moved logical shard " + shard + " from " + from + " to " + to + " (map version " + version + "): " + rows
            + " rows, copy " + copy.toMillis() + " ms (" + Math.round(rowsPerSecond()) + " rows/s), writes paused "
            + writePause.toMillis() + " ms, total " + total.toMillis() + " ms" + (resumed ? ", finishing an earlier run" : "");
    }
}
