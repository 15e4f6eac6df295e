package io.shardcache.sharding;

import io.shardcache.sharding.MovePlan.Balance;
import io.shardcache.sharding.MovePlan.Load;
import io.shardcache.sharding.MovePlan.Move;
import java.util.ArrayList;
import java.util.List;

/**
 * Works out a {@link MovePlan} from where the shards are and how large they are: greedy, each step moves one
 * shard from the most loaded server to the least loaded one, and no shard moves twice. Pure, so that it can
 * be checked over generated layouts without servers.
 */
final class MovePlanner {

    /** A {@link Balance#SIZE} move must narrow the gap by more than this share of the average server's size. */
    static final double MIN_GAIN = 0.01;

    private MovePlanner() {
    }

    /**
     * @param servers the servers, in the map's order
     * @param owners  for each logical shard, the index in {@code servers} of the server it lives on
     * @param bytes   for each logical shard, its size
     */
    static MovePlan plan(String sharding, Balance by, List<String> servers, int[] owners, long[] bytes) {
        if (owners.length != bytes.length)
            throw new IllegalArgumentException(owners.length + " owners but " + bytes.length + " sizes");
        int n = servers.size();
        int[] count = new int[n];
        long[] load = new long[n];
        for (int shard = 0; shard < owners.length; shard++) {
            count[owners[shard]]++;
            load[owners[shard]] += bytes[shard];
        }
        List<Load> before = loads(servers, count, load);
        int[] at = owners.clone();
        boolean[] moved = new boolean[owners.length];
        long total = 0;
        for (long b : bytes)
            total += b;
        double minGain = MIN_GAIN * total / Math.max(1, n);
        List<Move> moves = new ArrayList<>();
        while (moves.size() < owners.length) {
            int heavy = 0;
            int light = 0;
            for (int s = 1; s < n; s++) {
                if (by == Balance.SHARD_COUNT ? count[s] > count[heavy] || count[s] == count[heavy] && load[s] > load[heavy]
                    : load[s] > load[heavy])
                    heavy = s;
                if (by == Balance.SHARD_COUNT ? count[s] < count[light] || count[s] == count[light] && load[s] < load[light]
                    : load[s] < load[light])
                    light = s;
            }
            int pick = by == Balance.SHARD_COUNT
                ? (count[heavy] - count[light] > 1 ? smallest(at, moved, bytes, heavy) : -1)
                : bestFit(at, moved, bytes, heavy, load[heavy] - load[light], minGain);
            if (pick < 0)
                break;
            moves.add(new Move(pick, servers.get(heavy), servers.get(light), bytes[pick]));
            moved[pick] = true;
            at[pick] = light;
            count[heavy]--;
            count[light]++;
            load[heavy] -= bytes[pick];
            load[light] += bytes[pick];
        }
        return new MovePlan(sharding, by, moves, before, loads(servers, count, load));
    }

    /** The smallest shard on {@code server} that has not moved yet (the lowest-numbered of equals); -1 if none. */
    private static int smallest(int[] at, boolean[] moved, long[] bytes, int server) {
        int pick = -1;
        for (int shard = 0; shard < at.length; shard++)
            if (at[shard] == server && !moved[shard] && (pick < 0 || bytes[shard] < bytes[pick]))
                pick = shard;
        return pick;
    }

    /**
     * The shard on {@code server} whose move leaves the two servers closest, of those whose move narrows the
     * {@code gap} between them by more than {@code minGain}; -1 if none does.
     */
    private static int bestFit(int[] at, boolean[] moved, long[] bytes, int server, long gap, double minGain) {
        int pick = -1;
        long bestGap = gap;
        for (int shard = 0; shard < at.length; shard++) {
            if (at[shard] != server || moved[shard])
                continue;
            long after = Math.abs(gap - 2 * bytes[shard]);
            if (after < bestGap && gap - after > minGain) {
                bestGap = after;
                pick = shard;
            }
        }
        return pick;
    }

    private static List<Load> loads(List<String> servers, int[] count, long[] load) {
        List<Load> out = new ArrayList<>(servers.size());
        for (int s = 0; s < servers.size(); s++)
            out.add(new Load(servers.get(s), count[s], load[s]));
        return out;
    }
}
