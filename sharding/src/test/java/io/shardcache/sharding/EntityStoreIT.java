package io.shardcache.sharding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two databases as two physical servers, 16 logical shards, 8 on each; one entity store installed on all. */
class EntityStoreIT {

    private static final ShardIdLayout LAYOUT = ShardIdLayout.withEpoch(Instant.parse("2024-01-01T00:00:00Z"));

    static TestDatabases dbs;
    static String a;
    static String b;
    static Sharding sharding;
    static EntityStore store;

    @BeforeAll
    static void install() throws Exception {
        dbs = new TestDatabases();
        a = dbs.create("a");
        b = dbs.create("b");
        ShardMap map = dbs.sixteenShards(a, b).schemaPattern("shard_%04d")
            .build();
        sharding = Sharding.create(map, Routers.jumpHash());
        sharding.initialize();
        store = EntityStore.create(sharding, LAYOUT);
        store.install();   // creates the schemas too
    }

    @AfterAll
    static void dropDatabases() throws Exception {
        TestDatabases.close(sharding, dbs);
    }

    @Test
    void putStoresTheRowInTheSchemaOfItsShardOnTheRightDatabaseOnly() throws Exception {
        for (int shard : new int[] {0, 3, 7, 8, 12, 15}) {
            long id = store.put(shard, "photo", Map.of("shard", shard, "caption", "it's \"#" + shard + "\""));
            assertThat(LAYOUT.shardOf(id)).isEqualTo(shard);
            assertThat(Duration.between(LAYOUT.decode(id).createdAt(), Instant.now()).abs()).isLessThan(Duration.ofMinutes(1));
            // Plain JDBC, every schema of both databases: the row is in exactly one place.
            List<String> places = new ArrayList<>();
            for (int s = 0; s < 16; s++) {
                String db = s < 8 ? a : b;
                for (String row : dbs.query(db, "select kind || ' ' || (attributes ->> 'caption') || ' ' || (attributes -> 'shard')"
                    + " from \"" + sharding.schemaOf(s) + "\".entities where id = " + id))
                    places.add((db.equals(a) ? "a" : "b") + "/" + sharding.schemaOf(s) + ": " + row);
            }
            assertThat(places).containsExactly((shard < 8 ? "a" : "b") + "/" + sharding.schemaOf(shard)
                + ": photo it's \"#" + shard + "\" " + shard);
        }
    }

    @Test
    void getReadsBackNestedValuesFromTheShardInTheId() {
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("city", "Zürich");
        nested.put("geo", List.of(47.37, 8.54));
        nested.put("empty", Map.of());
        Map<String, Object> attributes = new HashMap<>();
        attributes.put("text", "quote \" backslash \\ slash / newline \n tab \t bell \u0007 emoji \uD83D\uDE00");
        attributes.put("int", 42);
        attributes.put("long", 1L << 53);
        attributes.put("big", new BigInteger("123456789012345678901234567890"));
        attributes.put("decimal", new BigDecimal("12345.678900"));
        attributes.put("double", 0.1);
        attributes.put("float", 1.1f);
        attributes.put("yes", true);
        attributes.put("nothing", null);
        attributes.put("list", Arrays.asList(1, "two", null, List.of(), Map.of("k", false)));
        attributes.put("address", nested);

        long id = store.put(11, "user", attributes);
        Entity e = store.get(id).orElseThrow();

        assertThat(e.id()).isEqualTo(id);
        assertThat(e.kind()).isEqualTo("user");
        assertThat(Duration.between(e.createdAt(), LAYOUT.decode(id).createdAt()).abs()).isLessThan(Duration.ofSeconds(5));
        Map<String, Object> got = e.attributes();
        assertThat(got.get("text")).isEqualTo(attributes.get("text"));
        assertThat(got.get("int")).isEqualTo(42L);
        assertThat(got.get("long")).isEqualTo(1L << 53);
        assertThat(got.get("big")).isEqualTo(new BigInteger("123456789012345678901234567890"));
        assertThat(got.get("decimal")).isEqualTo(new BigDecimal("12345.678900"));
        assertThat(got.get("double")).isEqualTo(new BigDecimal("0.1"));
        assertThat(got.get("float")).isEqualTo(new BigDecimal("1.1"));
        assertThat(got.get("yes")).isEqualTo(true);
        assertThat(got).containsEntry("nothing", null);
        assertThat(got.get("list")).isEqualTo(Arrays.asList(1L, "two", null, List.of(), Map.of("k", false)));
        assertThat(got.get("address")).isEqualTo(Map.of("city", "Zürich",
            "geo", List.of(new BigDecimal("47.37"), new BigDecimal("8.54")), "empty", Map.of()));
        assertThat(got).hasSize(attributes.size());
        assertThatThrownBy(() -> got.put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void anUnknownIdIsEmpty() {
        long existing = store.put(5, "thing", Map.of());
        assertThat(store.get(existing)).isPresent();
        assertThat(store.get(LAYOUT.encode(1, 5, 0))).isEmpty();
        assertThat(store.get(LAYOUT.encode(1, 13, 7))).isEmpty();
        assertThat(store.get(0)).isEmpty();
    }

    @Test
    void aMalformedIdFailsNamingWhatIsWrong() {
        assertThatThrownBy(() -> store.get(-42)).isInstanceOf(ShardingException.class)
            .hasMessageContaining("ID -42 is negative");
        long shard100 = LAYOUT.encode(1000, 100, 0);
        assertThatThrownBy(() -> store.get(shard100)).isInstanceOfSatisfying(ShardingException.class, e -> {
            assertThat(e.getMessage()).contains("ID " + shard100 + " carries logical shard 100")
                .contains("has 16 logical shards [0, 16)");
            assertThat(e.shard()).hasValue(100);
        });
        assertThatThrownBy(() -> store.get(Long.MIN_VALUE)).isInstanceOf(ShardingException.class);
    }

    @Test
    void badKindsAndAttributesAreRefusedBeforeAnythingIsStored() throws Exception {
        String count = "select count(*) from shard_0004.entities";
        String before = dbs.query(a, count).getFirst();

        assertThatThrownBy(() -> store.put(4, " ", Map.of())).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("kind must not be blank");
        assertThatThrownBy(() -> store.put(4, "x".repeat(256), Map.of())).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("256 characters");
        assertThatThrownBy(() -> store.put(4, null, Map.of())).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> store.put(4, "k", null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> store.put(4, "k", Map.of("when", Instant.EPOCH)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("attribute 'when' has type java.time.Instant, which is not JSON-safe");
        assertThatThrownBy(() -> store.put(4, "k", Map.of("a", Map.of("b", List.of("ok", UUID.randomUUID())))))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("attribute 'a.b[1]' has type java.util.UUID");
        assertThatThrownBy(() -> store.put(4, "k", Map.of("ratio", Double.NaN)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'ratio' is NaN");
        assertThatThrownBy(() -> store.put(4, "k", Map.of("s", "a\u0000b")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
        assertThatThrownBy(() -> store.put(4, "k", Map.of("m", Map.of(1, "one"))))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'m' is a map with a key of type java.lang.Integer");
        Map<String, Object> cycle = new HashMap<>();
        cycle.put("self", cycle);
        assertThatThrownBy(() -> store.put(4, "k", cycle))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does a map or list contain itself");
        assertThatThrownBy(() -> store.put(16, "k", Map.of())).isInstanceOf(ShardingException.class)
            .hasMessageContaining("logical shard 16 does not exist");

        assertThat(dbs.query(a, count).getFirst()).isEqualTo(before);
    }

    @Test
    void putByKeyStoresOnTheShardTheRouterChooses() {
        for (String key : List.of("user-1", "user-2", "user-3", "user-42")) {
            long id = store.putByKey(key, "user", Map.of("key", key));
            assertThat(LAYOUT.shardOf(id)).isEqualTo(sharding.shardOf(key));
            assertThat(store.get(id).orElseThrow().attributes()).containsEntry("key", key);
        }
        assertThatThrownBy(() -> store.putByKey(null, "user", Map.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void installingAgainKeepsRowsAndIdsKeepComing() throws Exception {
        long first = store.put(9, "thing", Map.of("n", 1));
        store.install();
        long second = store.put(9, "thing", Map.of("n", 2));
        assertThat(second).isNotEqualTo(first);
        assertThat(store.get(first).orElseThrow().attributes()).containsEntry("n", 1L);
        assertThat(dbs.query(b, "select column_default from information_schema.columns where table_schema = 'shard_0009'"
            + " and table_name = 'entities' and column_name = 'id'")).containsExactly("shard_0009.next_id()");
    }

    @Test
    void aMissingTableFailsNamingTheShard() {
        EntityStore other = EntityStore.builder(sharding).layout(LAYOUT).table("not_installed").build();
        assertThatThrownBy(() -> other.put(2, "k", Map.of())).isInstanceOfSatisfying(ShardingException.class, e -> {
            assertThat(e.getMessage()).contains("failed on logical shard 2 (table shard_0002.not_installed on physical server db1)");
            assertThat(e.shard()).hasValue(2);
            assertThat(e.server()).hasValue("db1");
        });
    }
}
