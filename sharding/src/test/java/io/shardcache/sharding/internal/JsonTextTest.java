package io.shardcache.sharding.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTextTest {

    @Test
    void writesEveryJsonSafeTypeAndReadsItBack() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "q\" b\\ n\n c\u0001 é \uD83D\uDE00");
        m.put("i", 1);
        m.put("l", -9_007_199_254_740_993L);
        m.put("sh", (short) 3);
        m.put("by", (byte) -4);
        m.put("bi", new BigInteger("-123456789012345678901234567890"));
        m.put("bd", new BigDecimal("1E+400"));
        m.put("d", 2.5e-10);
        m.put("f", 1.1f);
        m.put("t", true);
        m.put("n", null);
        m.put("list", Arrays.asList(null, List.of(), Map.of()));
        String json = JsonText.write(m);
        assertThat(json).isEqualTo("{\"s\":\"q\\\" b\\\\ n\\n c\\u0001 é \uD83D\uDE00\",\"i\":1,\"l\":-9007199254740993,"
            + "\"sh\":3,\"by\":-4,\"bi\":-123456789012345678901234567890,\"bd\":1E+400,\"d\":2.5E-10,\"f\":1.1,"
            + "\"t\":true,\"n\":null,\"list\":[null,[],{}]}");

        Map<String, Object> back = JsonText.readObject(json);
        assertThat(back.keySet()).containsExactlyElementsOf(m.keySet());
        assertThat(back.get("s")).isEqualTo(m.get("s"));
        assertThat(back.get("i")).isEqualTo(1L);
        assertThat(back.get("l")).isEqualTo(-9_007_199_254_740_993L);
        assertThat(back.get("sh")).isEqualTo(3L);
        assertThat(back.get("bi")).isEqualTo(new BigInteger("-123456789012345678901234567890"));
        assertThat(back.get("bd")).isEqualTo(new BigDecimal("1E+400"));
        assertThat(back.get("d")).isEqualTo(new BigDecimal("2.5E-10"));
        assertThat(back.get("f")).isEqualTo(new BigDecimal("1.1"));
        assertThat(back.get("list")).isEqualTo(Arrays.asList(null, List.of(), Map.of()));
    }

    @Test
    @SuppressWarnings("unchecked")
    void readsPostgresOutputWithSpacesEscapesAndSurrogatePairs() {
        Map<String, Object> m = JsonText.readObject(" {\"a\": [1, 2.50, -0, 9223372036854775807, 9223372036854775808],"
            + " \"b\": \"\\u00e9\\ud83d\\ude00\\/\\b\\f\\r\\t\", \"c\": {\"d\": null, \"e\": false}} ");
        assertThat(m.get("a")).isEqualTo(List.of(1L, new BigDecimal("2.50"), 0L, Long.MAX_VALUE,
            new BigInteger("9223372036854775808")));
        assertThat(m.get("b")).isEqualTo("é\uD83D\uDE00/\b\f\r\t");
        assertThat((Map<Object, Object>) m.get("c")).hasSize(2).containsEntry("d", null).containsEntry("e", false);
    }

    @Test
    void refusesWhatIsNotJsonSafeNamingThePath() {
        assertThatThrownBy(() -> JsonText.write(Map.of("a", List.of(Map.of("b", new Object())))))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("attribute 'a[0].b' has type java.lang.Object");
        assertThatThrownBy(() -> JsonText.write(Map.of("a", new int[] {1})))
            .hasMessageContaining("attribute 'a' has type [I");
        assertThatThrownBy(() -> JsonText.write(Map.of("x", Float.POSITIVE_INFINITY))).hasMessageContaining("'x' is Infinity");
        assertThatThrownBy(() -> JsonText.write(Map.of("x", new java.util.concurrent.atomic.AtomicLong(1))))
            .hasMessageContaining("java.util.concurrent.atomic.AtomicLong");
        assertThatThrownBy(() -> JsonText.write(Map.of("k\u0000", 1))).hasMessageContaining("'k\u0000' contains the NUL");
        assertThatThrownBy(() -> JsonText.write(Map.of("s", "a\uD800b"))).hasMessageContaining("unpaired UTF-16 surrogate at index 1");
        assertThatThrownBy(() -> JsonText.immutableCopy(Map.of("s", "\uDC00"))).hasMessageContaining("unpaired");
        Map<Object, Object> nullKey = new java.util.HashMap<>();
        nullKey.put(null, 1);
        assertThatThrownBy(() -> JsonText.write(Map.of("m", nullKey))).hasMessageContaining("'m' is a map with a null key");
        List<Object> loop = new ArrayList<>();
        loop.add(loop);
        assertThatThrownBy(() -> JsonText.write(Map.of("l", loop))).hasMessageContaining("nested more than 200 levels");
    }

    @Test
    @SuppressWarnings("unchecked")
    void immutableCopyIsDeepAndKeepsNulls() {
        List<Object> list = new ArrayList<>(List.of("a"));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("list", list);
        m.put("n", null);
        Map<String, Object> copy = JsonText.immutableCopy(m);
        list.add("b");
        assertThat(copy.get("list")).isEqualTo(List.of("a"));
        assertThat(copy).containsEntry("n", null);
        assertThatThrownBy(() -> ((List<Object>) copy.get("list")).add("c")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void malformedTextFailsWithItsOffset() {
        assertThatThrownBy(() -> JsonText.readObject("[1]")).hasMessageContaining("expected a JSON object");
        assertThatThrownBy(() -> JsonText.readObject("{\"a\": }")).hasMessageContaining("offset 6");
        assertThatThrownBy(() -> JsonText.readObject("{\"a\": 1} x")).hasMessageContaining("unexpected text after");
        // The problem is in Jackson's words, which change between releases; the offset is ours.
        assertThatThrownBy(() -> JsonText.readObject("{\"a\": \"x")).hasMessageContaining("offset 8: Unexpected end-of-input");
        assertThatThrownBy(() -> JsonText.readObject("{\"a\": 1.2.3}")).hasMessageContaining("offset 9: ");
        assertThatThrownBy(() -> JsonText.readObject("{\"a\": tru}")).hasMessageContaining("offset 6: ");
        assertThatThrownBy(() -> JsonText.readObject("{\"a\": NaN}")).hasMessageContaining("malformed JSON");
    }

    @Test
    void readingRefusesNestingPastMaxDepthOnly() {
        String deepest = "{\"a\":" + "[".repeat(JsonText.MAX_DEPTH - 1) + "]".repeat(JsonText.MAX_DEPTH - 1) + "}";
        assertThat(JsonText.readObject(deepest)).containsKey("a");
        String deeper = "{\"a\":" + "[".repeat(JsonText.MAX_DEPTH) + "]".repeat(JsonText.MAX_DEPTH) + "}";
        assertThatThrownBy(() -> JsonText.readObject(deeper)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("malformed JSON at offset 205").hasMessageContaining("(200");
    }

    @Test
    void readsNumbersLongerThanJacksonsDefaultLimit() {
        // jsonb prints numeric in full: 1e1000 comes back as 1001 digits, past Jackson's default of 1000.
        String big = "1" + "0".repeat(1000);
        String small = "0." + "0".repeat(1500) + "1";
        Map<String, Object> m = JsonText.readObject("{\"big\": " + big + ", \"small\": " + small + "}");
        assertThat(m.get("big")).isEqualTo(BigInteger.TEN.pow(1000));
        assertThat(m.get("small")).isEqualTo(new BigDecimal(small));
    }
}
