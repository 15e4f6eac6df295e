package io.shardcache.sharding;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Moves that even out the logical shards over the physical servers, as {@link ShardMoves#plan(Balance)}
 * proposes them; {@link ShardMoves#run(MovePlan)} makes them, one at a time. {@link #toString()} prints the
 * moves and each server's load before and after, for a person to read before running it.
 *
 * @param sharding the name of the {@link Sharding} it was planned for
 * @param by       what it evens out
 * @param moves    the moves, in the order they are run; each shard at most once
 * @param before   every server's load when the plan was made, in the map's order
 * @param after    every server's load once the moves are made (sizes as measured when planning)
 */
public record MovePlan(String sharding, Balance by, List<Move> moves, List<Load> before, List<Load> after) {

    /** What a plan evens out. */
    public enum Balance {
        /**
         * The number of logical shards per server, to within one. Of the shards on a crowded server, the
         * smallest move, so the plan copies as little as it can.
         */
        SHARD_COUNT,
        /**
         * Bytes per server: the sum of {@code pg_total_relation_size} (tables, indexes, TOAST) over the shards'
         * tables. Moves stop when none would narrow the gap between the largest and the smallest server by
         * more than 1% of the average server's size.
         */
        SIZE
    }

    /**
     * One planned move.
     *
     * @param shard the logical shard
     * @param from  the server it lives on when planned
     * @param to    the server it goes to
     * @param bytes its size when planned
     */
    public record Move(int shard, String from, String to, long bytes) {
        @Override
        public String toString() {
            return "logical shard " + shard + " (" + MovePlan.bytes(bytes) + ") from " + from + " to " + to;
        }
    }

    /**
     * One server's load.
     *
     * @param server the physical server
     * @param shards how many logical shards it holds
     * @param bytes  their size
     */
    public record Load(String server, int shards, long bytes) {
    }

    public MovePlan {
        Objects.requireNonNull(sharding, "sharding");
        Objects.requireNonNull(by, "by");
        moves = List.copyOf(moves);
        before = List.copyOf(before);
        after = List.copyOf(after);
    }

    /** Whether the servers are even already: nothing to move. */
    public boolean isEmpty() {
        return moves.isEmpty();
    }

    /** The moves and the loads before and after, as a table for a log or a terminal. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("plan for sharding '").append(sharding).append("' by ")
            .append(by.name().toLowerCase(Locale.ROOT).replace('_', ' ')).append(": ")
            .append(moves.isEmpty() ? "nothing to move, the servers are even" : moves.size() + " move"
                + (moves.size() > 1 ? "s" : "")).append('\n');
        for (int i = 0; i < moves.size(); i++)
            out.append(String.format(Locale.ROOT, "  %3d. move %s%n", i + 1, moves.get(i)));
        int width = Math.max("server".length(), before.stream().mapToInt(l -> l.server().length()).max().orElse(0));
        out.append(String.format(Locale.ROOT, "  %-" + width + "s  %6s %10s    %6s %10s%n", "server", "shards", "size",
            "shards", "size"));
        for (int i = 0; i < before.size(); i++) {
            Load b = before.get(i);
            Load a = after.get(i);
            out.append(String.format(Locale.ROOT, "  %-" + width + "s  %6d %10s -> %6d %10s%n", b.server(), b.shards(),
                bytes(b.bytes()), a.shards(), bytes(a.bytes())));
        }
        return out.toString();
    }

    /** {@code bytes} in the largest binary unit that keeps it at or above 1, to one decimal. */
    static String bytes(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
