package io.shardcache.sharding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardcache.sharding.internal.ShardKeys;
import io.shardcache.testing.Gate;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

class RoutersTest {
    private static final int KEYS = 1_000_000;
    private static final UUID SOME_UUID = UUID.fromString("123e4567-e89b-12d3-a456-426614174000");
    private static final Object[] PINNED_KEYS = {0L, 1L, 42L, -7L, 123456789012345L, "user-42", "", SOME_UUID,
            new byte[] {1, 2, 3}};

    // --- determinism: an accidental change of algorithm, byte order or key encoding must fail here ---

    @Test
    void moduloPlacesPinnedKeysWhereItAlwaysDid() {
        assertPinned(Routers.modulo(), 0, 1, 42, 993, 345, 546, 0, 619, 249);
    }

    @Test
    void jumpHashPlacesPinnedKeysWhereItAlwaysDid() {
        assertPinned(Routers.jumpHash(), 258, 527, 151, 507, 461, 906, 0, 119, 623);
    }

    @Test
    void ketamaPlacesPinnedKeysWhereItAlwaysDid() {
        assertPinned(Routers.ketama(), 231, 636, 634, 142, 755, 623, 461, 565, 875);
    }

    @Test
    void hashesAreTheSpecifiedAlgorithms() {
        // MurmurHash3_x64_128 h1, seed 0 (values equal Guava's murmur3_128(0).hashBytes(..).asLong()).
        assertThat(ShardKeys.murmur3(new byte[0])).isZero();
        assertThat(ShardKeys.murmur3(utf8("hello"))).isEqualTo(0xcbd8a7b341bd9b02L);
        assertThat(ShardKeys.murmur3(utf8("The quick brown fox jumps over the lazy dog")))
                .isEqualTo(0xe34bbc7bbc071b6cL);
        // SplitMix64's well-known first output for seed 0.
        assertThat(ShardKeys.mix64(0)).isEqualTo(0xe220a8397b1dcdafL);
    }

    @Test
    void integralKeysRouteByValueWhateverTheirBoxedType() {
        for (ShardRouter router : List.of(Routers.modulo(), Routers.jumpHash(), Routers.ketama())) {
            int expected = router.shardOf(42L, 100);
            assertThat(router.shardOf(42, 100)).as("%s Integer", router).isEqualTo(expected);
            assertThat(router.shardOf((short) 42, 100)).as("%s Short", router).isEqualTo(expected);
            assertThat(router.shardOf((byte) 42, 100)).as("%s Byte", router).isEqualTo(expected);
        }
    }

    @Test
    void moduloOfIntegralKeysIsFloorMod() {
        assertThat(Routers.modulo().shardOf(-1L, 10)).isEqualTo(9);
        assertThat(Routers.modulo().shardOf(Long.MIN_VALUE, 7)).isEqualTo((int) Math.floorMod(Long.MIN_VALUE, 7L));
        assertThat(Routers.modulo().shardOf(25, 10)).isEqualTo(5);
    }

    @Test
    void ketamaAgreesWithAPlainScanOfLibketamaPoints() throws Exception {
        // An independent, deliberately naive ketama: every node's points listed, the key owned by the smallest
        // point at or after the key's hash, wrapping around. Agreement pins the byte order and naming.
        int shards = 7;
        int points = 12;
        ShardRouter router = Routers.ketama(points);
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 2_000; i++) {
            long key = random.nextLong();
            long hash = littleEndian32(md5(Long.toString(key)), 0);
            long bestPoint = Long.MAX_VALUE;
            int bestNode = -1;
            long lowestPoint = Long.MAX_VALUE;
            int lowestNode = -1;
            for (int node = 0; node < shards; node++) {
                for (int p = 0; p < points; p++) {
                    long point = littleEndian32(md5(node + "-" + (p / 4)), (p % 4) * 4);
                    if (point >= hash && point < bestPoint) {
                        bestPoint = point;
                        bestNode = node;
                    }
                    if (point < lowestPoint) {
                        lowestPoint = point;
                        lowestNode = node;
                    }
                }
            }
            assertThat(router.shardOf(key, shards)).as("key %d", key).isEqualTo(bestNode >= 0 ? bestNode : lowestNode);
        }
    }

    // --- range ---

    @Test
    void everyRouterStaysInsideTheShardCount() {
        SplittableRandom random = new SplittableRandom(7);
        ShardIdLayout layout = ShardIdLayout.DEFAULT;
        for (int shards : new int[] {1, 2, 3, 10, 16, 255, 1000, 4096}) {
            List<ShardRouter> routers = List.of(Routers.modulo(), Routers.jumpHash(), Routers.ketama(),
                    Routers.roundRobin());
            for (int i = 0; i < 5_000; i++) {
                Object key = switch (i % 5) {
                    case 0 -> random.nextLong();
                    case 1 -> random.nextInt();
                    case 2 -> "k" + random.nextLong();
                    case 3 -> new UUID(random.nextLong(), random.nextLong());
                    default -> new byte[] {(byte) i, (byte) (i >> 8)};
                };
                for (ShardRouter router : routers) {
                    assertThat(router.shardOf(key, shards)).as("%s key %s", router, key).isBetween(0, shards - 1);
                }
                int shard = random.nextInt(Math.min(shards, ShardIdLayout.MAX_SHARDS));
                long id = layout.encode(random.nextLong(ShardIdLayout.MAX_MILLIS_SINCE_EPOCH), shard, i % 1024);
                assertThat(Routers.idEmbedded(layout).shardOf(id, shards)).isEqualTo(shard);
            }
        }
    }

    // --- balance and movement (figures printed so they can be quoted) ---

    @Test
    void hashingRoutersBalanceAMillionKeysOverSixteenShards() {
        assertBalanced("modulo, string keys", Routers.modulo(), i -> "user-" + i, 0.01);
        assertBalanced("modulo, uuid keys", Routers.modulo(), i -> new UUID(i * 31, i), 0.01);
        assertBalanced("jumpHash, sequential long keys", Routers.jumpHash(), i -> i, 0.01);
        assertBalanced("jumpHash, string keys", Routers.jumpHash(), i -> "user-" + i, 0.01);
        // 160 points per node leave ketama measurably uneven (a shard's share is set by its arcs on the circle,
        // whose spread shrinks only as 1/sqrt(points)); that is the algorithm, not a defect. The continuum is
        // fixed, so these figures are exact, not noisy.
        assertBalanced("ketama(160), sequential long keys", Routers.ketama(), i -> i, 0.20);
        assertBalanced("ketama(160), string keys", Routers.ketama(), i -> "user-" + i, 0.20);
        assertBalanced("ketama(1000), string keys", Routers.ketama(1000), i -> "user-" + i, 0.10);
    }

    @Test
    void jumpHashMovesAboutOneEleventhWhenTenShardsBecomeEleven() {
        double moved = movedShare("jumpHash", Routers.jumpHash(), 10, 11, true);
        assertThat(moved).isBetween(0.08, 0.10);
    }

    @Test
    void ketamaMovesAboutOneEleventhWhenTenShardsBecomeEleven() {
        double moved = movedShare("ketama(160)", Routers.ketama(), 10, 11, true);
        assertThat(moved).isBetween(0.05, 0.14);
    }

    @Test
    void moduloMovesAboutTenEleventhsWhenTenShardsBecomeEleven() {
        double moved = movedShare("modulo", Routers.modulo(), 10, 11, false);
        assertThat(moved).isBetween(0.88, 0.94);
    }

    // --- errors ---

    @Test
    void nullKeyIsRefusedNamingTheRouter() {
        Map<ShardRouter, String> names = Map.of(Routers.modulo(), "modulo", Routers.jumpHash(), "jumpHash",
                Routers.ketama(), "ketama(160)", Routers.range(10, 20), "range",
                Routers.idEmbedded(ShardIdLayout.DEFAULT), "idEmbedded");
        names.forEach((router, name) -> assertThatThrownBy(() -> router.shardOf(null, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(name).hasMessageContaining("null"));
    }

    @Test
    void unsupportedKeyTypeIsRefusedNamingTheType() {
        for (ShardRouter router : List.of(Routers.modulo(), Routers.jumpHash(), Routers.ketama(),
                Routers.range(10, 20), Routers.idEmbedded(ShardIdLayout.DEFAULT))) {
            assertThatThrownBy(() -> router.shardOf(1.5d, 2)).as("%s", router)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("java.lang.Double");
        }
        assertThatThrownBy(() -> Routers.range(10, 20).shardOf("user-1", 2))
                .hasMessageContaining("java.lang.String");
    }

    @Test
    void shardCountBelowOneIsRefused() {
        assertThatThrownBy(() -> Routers.jumpHash().shardOf(1L, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shards=0");
        assertThatThrownBy(() -> Routers.ketama(0)).hasMessageContaining("pointsPerNode=0");
    }

    // --- range router ---

    @Test
    void rangeShardOwnsFromThePreviousBoundUpToItsOwnExclusive() {
        ShardRouter router = Routers.range(100, 200, 300);
        assertThat(router.shardOf(Long.MIN_VALUE, 3)).isEqualTo(0);
        assertThat(router.shardOf(99L, 3)).isEqualTo(0);
        assertThat(router.shardOf(100L, 3)).isEqualTo(1);
        assertThat(router.shardOf(199, 3)).isEqualTo(1);
        assertThat(router.shardOf(200, 3)).isEqualTo(2);
        assertThat(router.shardOf((short) 299, 3)).isEqualTo(2);
        assertThatThrownBy(() -> router.shardOf(300L, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("300").hasMessageContaining("no shard");
    }

    @Test
    void rangeRefusesBoundsThatDoNotIncreaseOrDoNotMatchTheShardCount() {
        assertThatThrownBy(() -> Routers.range(100, 100)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bound 1 (100) is not above bound 0 (100)");
        assertThatThrownBy(() -> Routers.range()).hasMessageContaining("got none");
        assertThatThrownBy(() -> Routers.range(1, 2, 3).shardOf(0L, 4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3 upper bounds").hasMessageContaining("shards=4");
    }

    @Test
    void rangeCopiesItsBounds() {
        long[] bounds = {10, 20};
        ShardRouter router = Routers.range(bounds);
        bounds[0] = 15;
        assertThat(router.shardOf(12L, 2)).isEqualTo(1);
    }

    // --- round robin ---

    @Test
    void roundRobinIgnoresTheKeyAndCycles() {
        ShardRouter router = Routers.roundRobin();
        int[] shards = new int[7];
        for (int i = 0; i < shards.length; i++) {
            shards[i] = router.shardOf(i % 2 == 0 ? null : "ignored", 3);
        }
        assertThat(shards).containsExactly(0, 1, 2, 0, 1, 2, 0);
    }

    @Test
    void roundRobinGivesConcurrentCallersExactlyEqualShares() throws Exception {
        ShardRouter router = Routers.roundRobin();
        int threads = 8;
        int callsEach = 25_000;
        int shards = 5;
        List<Future<int[]>> results = Gate.run(threads, t -> {
            int[] counts = new int[shards];
            for (int i = 0; i < callsEach; i++) {
                counts[router.shardOf(null, shards)]++;
            }
            return counts;
        });
        long[] total = new long[shards];
        for (Future<int[]> result : results) {
            int[] counts = result.get();
            for (int s = 0; s < shards; s++) {
                total[s] += counts[s];
            }
        }
        assertThat(total).containsOnly(threads * callsEach / shards);
    }

    // --- id embedded ---

    @Test
    void idEmbeddedRefusesAnIdWhoseShardDoesNotExist() {
        ShardIdLayout layout = ShardIdLayout.withEpoch(Instant.parse("2020-01-01T00:00:00Z"));
        long id = layout.encode(Instant.parse("2024-05-01T12:00:00Z"), 4000, 3);
        ShardRouter router = Routers.idEmbedded(layout);
        assertThat(router.shardOf(id, 4096)).isEqualTo(4000);
        assertThatThrownBy(() -> router.shardOf(id, 4000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("carries shard 4000").hasMessageContaining("shards=4000");
        assertThatThrownBy(() -> router.shardOf(-5L, 4096)).hasMessageContaining("negative");
    }

    // --- helpers ---

    private static void assertPinned(ShardRouter router, int... expected) {
        int[] actual = Arrays.stream(PINNED_KEYS).mapToInt(key -> router.shardOf(key, 1000)).toArray();
        assertThat(actual).as("%s over 1000 shards", router).containsExactly(expected);
    }

    private static void assertBalanced(String what, ShardRouter router, LongFunction<Object> key, double tolerance) {
        int shards = 16;
        long[] counts = new long[shards];
        for (long i = 0; i < KEYS; i++) {
            counts[router.shardOf(key.apply(i), shards)]++;
        }
        double mean = (double) KEYS / shards;
        long min = Arrays.stream(counts).min().orElseThrow();
        long max = Arrays.stream(counts).max().orElseThrow();
        double worst = Math.max(max - mean, mean - min) / mean;
        System.out.printf("balance %-34s 1M keys over 16 shards: mean %.0f, min %d (%+.2f%%), max %d (%+.2f%%)%n",
                what, mean, min, 100 * (min - mean) / mean, max, 100 * (max - mean) / mean);
        assertThat(worst).as("%s worst deviation from the mean", what).isLessThanOrEqualTo(tolerance);
    }

    private static double movedShare(String what, ShardRouter router, int before, int after, boolean onlyToNewShards) {
        long moved = 0;
        for (long i = 0; i < KEYS; i++) {
            int from = router.shardOf(i, before);
            int to = router.shardOf(i, after);
            if (from != to) {
                moved++;
                if (onlyToNewShards) {
                    // Consistent hashing's promise: growth only moves keys onto the new shards.
                    assertThat(to).as("%s key %d moved from %d", what, i, from).isGreaterThanOrEqualTo(before);
                }
            }
        }
        double share = (double) moved / KEYS;
        System.out.printf("movement %-12s %d -> %d shards, 1M sequential long keys: %d moved = %.4f (ideal %s %.4f)%n",
                what, before, after, moved, share, onlyToNewShards ? "1/11" : "10/11",
                onlyToNewShards ? 1.0 / after : (double) before / after);
        return share;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] md5(String text) throws Exception {
        return MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static long littleEndian32(byte[] bytes, int offset) {
        return (bytes[offset] & 0xffL) | (bytes[offset + 1] & 0xffL) << 8 | (bytes[offset + 2] & 0xffL) << 16
                | (bytes[offset + 3] & 0xffL) << 24;
    }
}
