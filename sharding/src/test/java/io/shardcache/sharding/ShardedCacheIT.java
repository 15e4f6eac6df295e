package io.shardcache.sharding;

import static io.shardcache.sharding.Items.ID;
import static io.shardcache.sharding.Items.ITEMS;
import static io.shardcache.sharding.Items.MODULO;
import static io.shardcache.sharding.Items.NAME;
import static io.shardcache.sharding.Items.SHARD;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardcache.query.CacheKey;
import io.shardcache.query.CachingDSL;
import io.shardcache.query.Regions;
import org.jooq.DSLContext;
import org.jooq.Record1;
import org.jooq.ResultQuery;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cache over routed DSLs: the same jOOQ query on two logical shards must never share an entry,
 * on one physical server (shards 3 and 4) or across two (shards 3 and 11).
 */
class ShardedCacheIT {

    static TestDatabases dbs;
    static String a;
    static Sharding sharding;
    private CachingDSL cached;

    @BeforeAll
    static void createShards() throws Exception {
        dbs = new TestDatabases();
        a = dbs.create("a");
        String b = dbs.create("b");
        ShardMap map = dbs.sixteenShards(a, b).schemaPattern("shard_%04d").applicationSchema(Items.APP_SCHEMA)
            .replica("db1", dbs.config(a, "db1-replica", 2))   // the same database, read through a replica pool
            .build();
        sharding = Sharding.create(map, MODULO);
        sharding.createShards(Items.TEMPLATE);
        // The same id on three shards, each row naming its shard.
        for (int shard : new int[] {3, 4, 11})
            sharding.onShard(shard).insertInto(ITEMS, ID, SHARD, NAME).values(7L, shard, "seven on " + shard).execute();
    }

    @AfterAll
    static void dropDatabases() throws Exception {
        TestDatabases.close(sharding, dbs);
    }

    @BeforeEach
    void wrap() {
        cached = CachingDSL.wrap(sharding.onShard(0), Regions.builder().region("items").build());
    }

    @AfterEach
    void close() {
        cached.close();
    }

    private static ResultQuery<Record1<String>> byId(DSLContext ctx) {
        return ctx.select(NAME).from(ITEMS).where(ID.eq(7L));
    }

    private String read(int shard) {
        return byId(cached.on(sharding.onShard(shard)).fromCache("items")).fetchOne(NAME);
    }

    @Test
    void theSameQueryOnTwoShardsHasTwoEntriesEachWithItsShardsRows() throws Exception {
        assertThat(read(3)).isEqualTo("seven on 3");
        assertThat(read(4)).isEqualTo("seven on 4");
        assertThat(read(11)).isEqualTo("seven on 11");
        assertThat(cached.stats("items").misses()).as("one miss per shard").isEqualTo(3);

        // Change shard 3's row behind the cache's back: each shard's hit is still its own entry.
        assertThat(dbs.query(a, "update shard_0003.items set name = 'changed' where id = 7 returning id")).containsExactly("7");
        assertThat(read(4)).isEqualTo("seven on 4");
        assertThat(read(3)).as("a hit: the update went around the cache").isEqualTo("seven on 3");
        assertThat(read(11)).isEqualTo("seven on 11");
        assertThat(cached.stats("items").hits()).isEqualTo(3);
        assertThat(cached.stats("items").misses()).isEqualTo(3);
    }

    /**
     * Table generations are per logical shard: a write through shard 5's caching DSL makes shard 5's
     * entries misses and leaves shard 6's (same table, same query) alone.
     */
    @Test
    void aWriteOnOneShardMakesOnlyThatShardsEntriesMisses() throws Exception {
        for (int shard : new int[] {5, 6})
            cached.on(sharding.onShard(shard)).dsl().insertInto(ITEMS, ID, SHARD, NAME).values(8L, shard, "eight on " + shard).execute();
        assertThat(readEight(5)).isEqualTo("eight on 5");
        assertThat(readEight(6)).isEqualTo("eight on 6");

        cached.on(sharding.onShard(5)).dsl().update(ITEMS).set(NAME, "renamed on 5").where(ID.eq(8L)).execute();

        assertThat(readEight(5)).as("shard 5's entry is a miss").isEqualTo("renamed on 5");
        assertThat(readEight(6)).isEqualTo("eight on 6");
        assertThat(cached.stats("items").misses()).as("two first reads and shard 5's after the write").isEqualTo(3);
        assertThat(cached.stats("items").hits()).as("shard 6's entry survived").isEqualTo(1);
        assertThat(cached.stats("items").outdatedEntries()).isEqualTo(1);

        // A write made around the cache, announced for its shard only.
        assertThat(dbs.query(a, "update shard_0006.items set name = 'outside' where id = 8 returning id")).containsExactly("8");
        cached.on(sharding.onShard(6)).invalidateTables(ITEMS);
        assertThat(readEight(6)).isEqualTo("outside");
        assertThat(readEight(5)).isEqualTo("renamed on 5");
        assertThat(cached.stats("items").hits()).isEqualTo(2);
    }

    private String readEight(int shard) {
        return cached.on(sharding.onShard(shard)).fromCache("items").select(NAME).from(ITEMS).where(ID.eq(8L)).fetchOne(NAME);
    }

    @Test
    void readsOnAReplicaAreCachedOnlyInRegionsWithoutTableGenerations() {
        try (CachingDSL both = CachingDSL.wrap(sharding.onShard(0), Regions.builder()
                .region("items").region("lagging", r -> r.tableGenerations(false)).build())) {
            CachingDSL onReplica = both.on(sharding.onReplicaShard(4));
            for (int i = 0; i < 3; i++)
                assertThat(byId(onReplica.fromCache("lagging")).fetchOne(NAME)).isEqualTo("seven on 4");
            assertThat(both.stats("lagging").stored()).as("a replica's read-only transaction holds committed rows").isEqualTo(1);
            assertThat(both.stats("lagging").hits()).isEqualTo(2);

            // Under table generations a replica's rows may predate a write whose bump was already read.
            assertThat(byId(onReplica.fromCache("items")).fetchOne(NAME)).isEqualTo("seven on 4");
            assertThat(both.stats("items").skippedReplica()).isEqualTo(1);
            assertThat(both.stats("items").stored()).isZero();
            // An entry stored by a primary read serves replica readers.
            assertThat(byId(both.on(sharding.onShard(4)).fromCache("items")).fetchOne(NAME)).isEqualTo("seven on 4");
            assertThat(byId(onReplica.fromCache("items")).fetchOne(NAME)).isEqualTo("seven on 4");
            assertThat(both.stats("items").hits()).isEqualTo(1);
        }
    }

    @Test
    void keysNameTheShard() {
        CacheKey k3 = cached.on(sharding.onShard(3)).keyOf("items", byId(sharding.onShard(3)));
        CacheKey k4 = cached.on(sharding.onShard(4)).keyOf("items", byId(sharding.onShard(4)));
        CacheKey again = cached.on(sharding.on(3L + 16)).keyOf("items", byId(sharding.on(3L + 16)));
        assertThat(k3.hash()).isNotEqualTo(k4.hash());
        assertThat(again.hash()).as("a key routed to shard 3 names shard 3's entry").isEqualTo(k3.hash());
        assertThat(k3.describe()).contains("default/3").contains("shard_0003");
        assertThat(k4.describe()).contains("default/4").contains("shard_0004");
    }
}
