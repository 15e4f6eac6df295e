package io.shardcache.query.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HashRingTest {

    /** The hash is what the class comment says, compared with a fresh SHA-1 over generated strings. */
    @Test
    void aKeysHashIsTheFirstEightBytesOfItsSha1() throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 2_000; i++) {
            StringBuilder s = new StringBuilder();
            int length = random.nextInt(40);
            for (int j = 0; j < length; j++)
                s.appendCodePoint(random.nextInt(3) == 0 ? random.nextInt(0x20, 0x3000) : random.nextInt('a', 'z' + 1));
            long expected = ByteBuffer.wrap(MessageDigest.getInstance("SHA-1").digest(s.toString().getBytes(StandardCharsets.UTF_8))).getLong();
            assertThat(HashRing.hash(s.toString())).as("hash of %s", s).isEqualTo(expected);
        }
    }

    @Test
    void keysSpreadOverTheNodesAndANodeAddedTakesOnlyKeysForItself() {
        HashRing three = new HashRing(List.of("a", "b", "c"), 160);
        HashRing four = new HashRing(List.of("a", "b", "c", "d"), 160);
        Map<String, Integer> counts = new HashMap<>();
        int moved = 0;
        for (int i = 0; i < 30_000; i++) {
            String key = "region:7:" + i;
            String before = three.nodeOf(key);
            String after = four.nodeOf(key);
            counts.merge(before, 1, Integer::sum);
            if (!after.equals(before)) {
                assertThat(after).as("a key that moved moved to the new node").isEqualTo("d");
                moved++;
            }
        }
        assertThat(counts.values()).as("each of three nodes holds a fair share: %s", counts).allMatch(n -> n > 7_000 && n < 13_000);
        assertThat(moved).as("about a quarter moved to the fourth node").isBetween(5_000, 10_000);
    }

    @Test
    void aRingNeedsANode() {
        assertThatThrownBy(() -> new HashRing(List.of(), 160)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one node");
    }
}
