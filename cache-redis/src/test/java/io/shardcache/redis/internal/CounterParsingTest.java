package io.shardcache.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * How a counter's bytes are read, against {@link Long#parseLong} over generated inputs: the same
 * number for every decimal integer Redis can hold (the scripts write no '+'), and "not an integer"
 * for everything the scripts' {@code ^%-?%d+$} would repair.
 */
class CounterParsingTest {

    private static long parsed(String s) {
        return RedisScripts.integer(s.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void everyLongReadsAsItself() {
        SplittableRandom random = new SplittableRandom(16);
        for (int i = 0; i < 200_000; i++) {
            long n = switch (i % 4) {
                case 0 -> random.nextLong();
                case 1 -> random.nextLong(1L << 53);                  // the range a counter takes
                case 2 -> random.nextLong(-1_000, 1_000);
                default -> Long.MAX_VALUE - random.nextLong(1_000);
            };
            if (n == Long.MIN_VALUE)
                continue;
            assertThat(parsed(Long.toString(n))).as(Long.toString(n)).isEqualTo(n);
        }
    }

    @Test
    void anythingElseIsNotAnInteger() {
        SplittableRandom random = new SplittableRandom(17);
        String alphabet = "0123456789-+. ax";
        for (int i = 0; i < 200_000; i++) {
            StringBuilder s = new StringBuilder();
            for (int len = random.nextInt(0, 22); len > 0; len--)
                s.append(alphabet.charAt(random.nextInt(alphabet.length())));
            String text = s.toString();
            long expected;
            try {
                expected = text.startsWith("+") ? RedisScripts.NOT_AN_INTEGER : Long.parseLong(text);
            } catch (NumberFormatException e) {
                expected = RedisScripts.NOT_AN_INTEGER;
            }
            assertThat(parsed(text)).as("'%s'", text).isEqualTo(expected);
        }
        assertThat(parsed("9223372036854775808")).as("past a long").isEqualTo(RedisScripts.NOT_AN_INTEGER);
        assertThat(parsed("")).isEqualTo(RedisScripts.NOT_AN_INTEGER);
        assertThat(parsed("-")).isEqualTo(RedisScripts.NOT_AN_INTEGER);
    }
}
