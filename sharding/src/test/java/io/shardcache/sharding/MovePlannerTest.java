package io.shardcache.sharding;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardcache.sharding.MovePlan.Balance;
import io.shardcache.sharding.MovePlan.Load;
import io.shardcache.sharding.MovePlan.Move;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The planner over generated layouts: what it promises holds for each, checked by replaying its moves. */
class MovePlannerTest {

    static final int LAYOUTS = 2_000;

    @Test
    void eightShardsOnOneServerAndAnEmptyOneSplitFourAndFourMovingTheSmallest() {
        long[] bytes = {90, 10, 80, 20, 70, 30, 60, 40};
        MovePlan plan = MovePlanner.plan("app", Balance.SHARD_COUNT, List.of("db1", "db2"), new int[8], bytes);

        assertThat(plan.moves()).extracting(Move::shard).containsExactly(1, 3, 5, 7);
        assertThat(plan.moves()).allMatch(m -> m.from().equals("db1") && m.to().equals("db2"));
        assertThat(plan.after()).containsExactly(new Load("db1", 4, 300), new Load("db2", 4, 100));
        assertThat(plan.toString()).contains("4 moves", "1. move logical shard 1 (10 B) from db1 to db2",
            "db1          8      400 B ->      4      300 B");
    }

    @Test
    void bySizeTheLargestServerGivesTheShardThatLeavesTheTwoClosest() {
        // db1 holds 1000 + 300 + 100, db2 holds 200: moving 300 leaves 1100 and 500; moving 1000 leaves 400 and 1200.
        MovePlan plan = MovePlanner.plan("app", Balance.SIZE, List.of("db1", "db2"), new int[] {0, 0, 0, 1},
            new long[] {1000, 300, 100, 200});

        assertThat(plan.moves()).containsExactly(new Move(1, "db1", "db2", 300), new Move(2, "db1", "db2", 100));
        assertThat(plan.after()).containsExactly(new Load("db1", 1, 1000), new Load("db2", 3, 600));
    }

    @Test
    void evenServersNeedNoMove() {
        MovePlan plan = MovePlanner.plan("app", Balance.SHARD_COUNT, List.of("db1", "db2"), new int[] {0, 1, 0, 1},
            new long[] {5, 5, 5, 5});

        assertThat(plan.isEmpty()).isTrue();
        assertThat(plan.toString()).contains("nothing to move");
        assertThat(MovePlanner.plan("app", Balance.SIZE, List.of("db1"), new int[3], new long[] {1, 2, 3}).isEmpty()).isTrue();
    }

    @Test
    void byCountEveryGeneratedLayoutEndsWithinOneShardInTheFewestMoves() {
        SplittableRandom random = new SplittableRandom(19);
        for (int i = 0; i < LAYOUTS; i++) {
            Layout l = Layout.generate(random);
            MovePlan plan = MovePlanner.plan("app", Balance.SHARD_COUNT, l.servers, l.owners, l.bytes);
            int[] count = l.replay(plan);

            int max = Arrays.stream(count).max().orElseThrow();
            int min = Arrays.stream(count).min().orElseThrow();
            assertThat(max - min).as("count spread after %s", l).isLessThanOrEqualTo(1);
            assertThat(plan.moves()).as("fewest moves for %s", l).hasSize(fewestMoves(l));
            // Each server gives only its smallest shards: none it kept is smaller than one it gave.
            for (Move m : plan.moves())
                for (int shard = 0; shard < l.owners.length; shard++)
                    if (l.owners[shard] == l.servers.indexOf(m.from()) && l.moved(plan, shard) == null)
                        assertThat(l.bytes[shard]).as("%s kept shard %d; %s", m.from(), shard, l).isGreaterThanOrEqualTo(m.bytes());
        }
    }

    @Test
    void bySizeEveryGeneratedLayoutEndsNoWorseAndWithNoMoveLeftThatWouldHelpTheLargestServer() {
        SplittableRandom random = new SplittableRandom(23);
        for (int i = 0; i < LAYOUTS; i++) {
            Layout l = Layout.generate(random);
            MovePlan plan = MovePlanner.plan("app", Balance.SIZE, l.servers, l.owners, l.bytes);
            l.replay(plan);
            long[] before = plan.before().stream().mapToLong(Load::bytes).toArray();
            long[] after = plan.after().stream().mapToLong(Load::bytes).toArray();

            assertThat(Arrays.stream(after).sum()).isEqualTo(Arrays.stream(before).sum());
            assertThat(spread(after)).as("size spread after %s", l).isLessThanOrEqualTo(spread(before));
            // Stopped for a reason: no unmoved shard of the largest server would narrow its gap to the smallest
            // by more than 1% of the average server's size.
            int heavy = IntStream.range(0, after.length).reduce((a, b) -> after[b] > after[a] ? b : a).orElseThrow();
            long gap = spread(after);
            double minGain = MovePlanner.MIN_GAIN * Arrays.stream(l.bytes).sum() / l.servers.size();
            if (plan.moves().size() < l.owners.length)
                for (int shard = 0; shard < l.owners.length; shard++)
                    if (l.at[shard] == heavy && l.moved(plan, shard) == null)
                        assertThat(gap - Math.abs(gap - 2 * l.bytes[shard])).as("shard %d left on %s", shard, l)
                            .isLessThanOrEqualTo((long) Math.ceil(minGain));
        }
    }

    @Test
    void bySizeEqualShardsEndAsEvenAsByCount() {
        SplittableRandom random = new SplittableRandom(29);
        for (int i = 0; i < LAYOUTS / 4; i++) {
            Layout l = Layout.generate(random);
            Arrays.fill(l.bytes, 1 << 20);
            MovePlan plan = MovePlanner.plan("app", Balance.SIZE, l.servers, l.owners, l.bytes);
            int[] count = l.replay(plan);
            assertThat(Arrays.stream(count).max().orElseThrow() - Arrays.stream(count).min().orElseThrow())
                .as("%s", l).isLessThanOrEqualTo(1);
        }
    }

    private static long spread(long[] loads) {
        return Arrays.stream(loads).max().orElseThrow() - Arrays.stream(loads).min().orElseThrow();
    }

    /** The least number of single-shard moves that leaves every server within one shard of the others. */
    private static int fewestMoves(Layout l) {
        int n = l.servers.size();
        int total = l.owners.length;
        Integer[] counts = new Integer[n];
        Arrays.fill(counts, 0);
        for (int o : l.owners)
            counts[o]++;
        Arrays.sort(counts, (a, b) -> b - a);
        int moves = 0;
        for (int s = 0; s < n; s++)   // the fullest servers keep the extra shards of an uneven split
            moves += Math.max(0, counts[s] - (total / n + (s < total % n ? 1 : 0)));
        return moves;
    }

    /** A generated fleet: skewed placements (new empty servers, one crowded one) and heavy-tailed sizes. */
    private static final class Layout {
        final List<String> servers = new ArrayList<>();
        final int[] owners;
        final long[] bytes;
        int[] at;

        Layout(int servers, int shards) {
            for (int s = 0; s < servers; s++)
                this.servers.add("db" + (s + 1));
            owners = new int[shards];
            bytes = new long[shards];
        }

        static Layout generate(SplittableRandom random) {
            Layout l = new Layout(1 + random.nextInt(6), 1 + random.nextInt(random.nextBoolean() ? 16 : 300));
            int used = 1 + random.nextInt(l.servers.size());   // the rest are new servers with no shard yet
            for (int shard = 0; shard < l.owners.length; shard++) {
                l.owners[shard] = random.nextInt(4) == 0 ? 0 : random.nextInt(used);
                l.bytes[shard] = switch (random.nextInt(4)) {
                    case 0 -> 0;
                    case 1 -> 8192 * (1 + random.nextInt(4));
                    case 2 -> random.nextLong(1L << 30);
                    default -> (long) Math.exp(random.nextDouble() * 30);
                };
            }
            return l;
        }

        /** Applies the plan's moves to this layout, checking each, and returns the shard count per server. */
        int[] replay(MovePlan plan) {
            at = owners.clone();
            Set<Integer> seen = new HashSet<>();
            for (Move m : plan.moves()) {
                assertThat(seen.add(m.shard())).as("shard %d moves once in %s", m.shard(), this).isTrue();
                assertThat(servers.get(at[m.shard()])).isEqualTo(m.from());
                assertThat(m.to()).isNotEqualTo(m.from());
                assertThat(m.bytes()).isEqualTo(bytes[m.shard()]);
                at[m.shard()] = servers.indexOf(m.to());
            }
            int[] count = new int[servers.size()];
            long[] load = new long[servers.size()];
            for (int shard = 0; shard < at.length; shard++) {
                count[at[shard]]++;
                load[at[shard]] += bytes[shard];
            }
            for (int s = 0; s < servers.size(); s++)
                assertThat(plan.after().get(s)).isEqualTo(new Load(servers.get(s), count[s], load[s]));
            return count;
        }

        Move moved(MovePlan plan, int shard) {
            return plan.moves().stream().filter(m -> m.shard() == shard).findFirst().orElse(null);
        }

        @Override
        public String toString() {
            return servers.size() + " servers, owners " + Arrays.toString(owners) + ", bytes " + Arrays.toString(bytes);
        }
    }
}
