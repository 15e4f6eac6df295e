package io.shardcache.sharding.internal;

import static io.shardcache.sharding.internal.RandomAttributes.asRead;
import static io.shardcache.sharding.internal.RandomAttributes.inKeyOrder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Random attribute maps written and read back; JsonbRoundTripIT sends the same through PostgreSQL's jsonb. */
class JsonTextRoundTripTest {

    private static final int MAPS = 3_000;

    @Test
    void randomAttributesReadBackAsTheContractSaysInKeyOrder() {
        long seed = RandomAttributes.seed();
        RandomAttributes random = new RandomAttributes(seed);
        for (int i = 0; i < MAPS; i++) {
            Map<String, Object> original = random.attributes();
            String json = JsonText.write(original);
            String context = "seed " + seed + " (-Dshardcache.jsonSeed=" + seed + "), map " + i + ": " + json;

            Map<String, Object> back = JsonText.readObject(json);
            assertThat(inKeyOrder(back)).as(context).isEqualTo(inKeyOrder(asRead(original)));
            assertThat(JsonText.immutableCopy(original)).as(context).isEqualTo(original);
            // What was read writes back as well (a BigDecimal read from 1.5E1 has scale 0, so it comes back a Long).
            assertThat(inKeyOrder(JsonText.readObject(JsonText.write(back)))).as(context).isEqualTo(inKeyOrder(asRead(back)));
        }
    }

    @Test
    void nestingOfExactlyMaxDepthRoundTripsAndOneMoreIsRefused() {
        Map<String, Object> deepest = RandomAttributes.nested(JsonText.MAX_DEPTH);
        assertThat(JsonText.readObject(JsonText.write(deepest))).isEqualTo(asRead(deepest));
        assertThatThrownBy(() -> JsonText.write(RandomAttributes.nested(JsonText.MAX_DEPTH + 1)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nested more than 200 levels deep");
        assertThatThrownBy(() -> JsonText.immutableCopy(RandomAttributes.nested(JsonText.MAX_DEPTH + 1)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nested more than 200 levels deep");
    }
}
