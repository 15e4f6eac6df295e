package io.shardcache.sharding;

import static io.shardcache.sharding.Items.ID;
import static io.shardcache.sharding.Items.ITEMS;
import static io.shardcache.sharding.Items.MODULO;
import static io.shardcache.sharding.Items.NAME;
import static io.shardcache.sharding.Items.SHARD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.stream.IntStream;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** db1 is a real database; db2's config points at a port nothing listens on (connectionTimeout 250 ms). */
class DownServerIT {

    static TestDatabases dbs;
    static Sharding sharding;

    @BeforeAll
    static void start() throws Exception {
        dbs = new TestDatabases();
        String a = dbs.create("a");
        ShardMap map = ShardMap.builder().logicalShards(16).applicationSchema(Items.APP_SCHEMA)
            .physical("db1", dbs.config(a, "db1", 2), 0, 8)
            .physical("db2", TestDatabases.dead("db2"), 8, 16)
            .build();
        sharding = Sharding.create(map, MODULO);             // must not fail although db2 is down
        for (int shard = 0; shard < 8; shard++)
            sharding.createShard(shard, Items.TEMPLATE);
        for (long id = 0; id < 8; id++)
            sharding.on(id).insertInto(ITEMS, ID, SHARD, NAME).values(id, (int) id, "up").execute();
    }

    @AfterAll
    static void stop() throws Exception {
        TestDatabases.close(sharding, dbs);
    }

    @Test
    void onlyTheDownServersShardsFail() {
        assertThat(sharding.on(3L).fetchCount(ITEMS)).isEqualTo(1);
        assertThatThrownBy(() -> sharding.on(9L).fetchCount(ITEMS))
            .isInstanceOf(DataAccessException.class)
            .cause().hasMessageContaining("shardcache-default-db2 - Connection is not available, request timed out after");
    }

    @Test
    void bestEffortReturnsTheLiveServersShardsAndListsTheMissingOnes() {
        for (FanOutMode mode : FanOutMode.values()) {
            long start = System.nanoTime();
            FanOutResult<Integer> r = sharding.onAll(FanOut.builder().policy(FanOutPolicy.BEST_EFFORT).mode(mode).build(),
                ctx -> ctx.fetchCount(ITEMS));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(r.values()).as(mode.name()).hasSize(8).containsOnly(1);
            assertThat(r.missingShards()).as(mode.name()).isEqualTo(IntStream.range(8, 16).boxed().toList());
            assertThat(r.failures()).allSatisfy(f -> {
                assertThat(f.server()).isEqualTo("db2");
                assertThat(f.error().server()).hasValue("db2");
                assertThat(f.error().shard()).hasValue(f.shard());
            });
            // A dead server costs about one connectionTimeout per permit, not one per shard: at most 2
            // shards (the pool's size) wait for it; the others are failed at once.
            long waited = r.failures().stream().filter(f -> f.latency().toMillis() >= 200).count();
            assertThat(waited).as(mode + ": shards that waited for a connection").isBetween(1L, 2L);
            assertThat(r.failures()).filteredOn(f -> f.error().getMessage().contains("was not tried"))
                .as(mode.name()).hasSize(8 - (int) waited);
            assertThat(took).as(mode.name()).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void failFastNamesTheDownServer() {
        assertThatThrownBy(() -> sharding.onAll(ctx -> ctx.fetchCount(ITEMS)))
            .isInstanceOfSatisfying(FanOutException.class, e -> {
                assertThat(e.server()).hasValue("db2");
                assertThat(e.shard().getAsInt()).isBetween(8, 15);
                assertThat(e.getMessage()).contains("stopped at the first failure (FAIL_FAST)")
                    .contains("on physical server db2)").contains("Connection is not available");
            });
    }

    @Test
    void requireAllListsEveryShardOfTheDownServer() {
        assertThatThrownBy(() -> sharding.onAll(FanOut.builder().policy(FanOutPolicy.REQUIRE_ALL).build(),
            ctx -> ctx.fetchCount(ITEMS)))
            .isInstanceOfSatisfying(FanOutException.class, e -> {
                assertThat(e.getMessage()).contains("failed on 8 of 16 logical shards (REQUIRE_ALL)");
                assertThat(e.server()).hasValue("db2");
                assertThat(e.failures()).extracting(ShardOutcome::shard).containsExactly(8, 9, 10, 11, 12, 13, 14, 15);
                assertThat(e.result().values()).hasSize(8);
            });
    }

    @Test
    void initializeNamesTheServerItCannotReach() {
        assertThatThrownBy(() -> sharding.initialize())
            .isInstanceOf(ShardingException.class)
            .hasMessageContaining("could not read or record the shard map on physical server db2 (jdbc:postgresql://127.0.0.1:")
            .satisfies(e -> assertThat(((ShardingException) e).server()).hasValue("db2"));
    }
}
