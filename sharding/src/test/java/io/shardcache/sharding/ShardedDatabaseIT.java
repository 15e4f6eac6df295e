package io.shardcache.sharding;

import static io.shardcache.sharding.Items.ID;
import static io.shardcache.sharding.Items.ITEMS;
import static io.shardcache.sharding.Items.MODULO;
import static io.shardcache.sharding.Items.NAME;
import static io.shardcache.sharding.Items.SHARD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two categories on the same two databases, sharded differently ("users": 4 shards named user_NN, "events":
 * 8 shards named event_NNNN), and an unsharded third database.
 */
class ShardedDatabaseIT {

    static TestDatabases dbs;
    static String a;
    static String b;
    static String main;
    static ShardedDatabase db;

    @BeforeAll
    static void start() throws Exception {
        dbs = new TestDatabases();
        a = dbs.create("a");
        b = dbs.create("b");
        main = dbs.create("main");
        ShardMap users = ShardMap.builder().logicalShards(4).schemaPattern("user_%02d").applicationSchema(Items.APP_SCHEMA)
            .physical("db1", dbs.config(a, "users-db1", 2), 0, 2).physical("db2", dbs.config(b, "users-db2", 2), 2, 4).build();
        ShardMap events = ShardMap.builder().logicalShards(8).schemaPattern("event_%04d").applicationSchema(Items.APP_SCHEMA)
            .physical("db1", dbs.config(a, "events-db1", 2), 0, 4).physical("db2", dbs.config(b, "events-db2", 2), 4, 8).build();
        db = ShardedDatabase.builder()
            .category("users", users, MODULO)
            .category("events", events, (key, n) -> (int) (((Long) key) / 100 % n))    // a different router
            .unsharded(dbs.config(main, "main", 2))
            .build();
        db.category("users").createShards(Items.TEMPLATE);
        db.category("events").createShards(Items.TEMPLATE);
        db.unsharded().execute("create table plans (id int primary key, name text not null)");
    }

    @AfterAll
    static void stop() throws Exception {
        if (db != null)
            db.close();
        if (dbs != null)
            dbs.close();
    }

    @Test
    void eachCategoryRoutesWithItsOwnMapAndRouter() throws Exception {
        Sharding users = db.category("users");
        Sharding events = db.category("events");
        users.on(7L).insertInto(ITEMS, ID, SHARD, NAME).values(7L, 3, "user 7").execute();        // 7 mod 4 = 3: db2
        events.on(250L).insertInto(ITEMS, ID, SHARD, NAME).values(250L, 2, "event 250").execute(); // 250/100 mod 8 = 2: db1
        assertThat(dbs.query(b, "select name from user_03.items")).containsExactly("user 7");
        assertThat(dbs.query(a, "select name from event_0002.items")).containsExactly("event 250");
        assertThat(users.onAll(ctx -> ctx.fetchCount(ITEMS)).values()).containsExactly(0, 0, 0, 1);
        assertThat(users.on(7L).configuration().data(Sharding.CACHE_SCOPE_DATA_KEY)).isEqualTo("users/3");
    }

    @Test
    void unshardedTablesLiveInTheDefaultDatabase() throws Exception {
        db.unsharded().execute("insert into plans values (1, 'free')");
        assertThat(dbs.query(main, "select name from plans")).containsExactly("free");
        assertThat(db.unsharded().configuration().settings().getRenderMapping()).isNull();
    }

    @Test
    void eachCategoryIsRecordedUnderItsName() throws Exception {
        db.initialize();
        assertThat(dbs.query(a, "select map_name || ':' || logical_shards || ':' || first_shard || '-' || end_shard"
            + " from shardcache.shard_map order by map_name")).containsExactly("events:8:0-4", "users:4:0-2");
    }

    @Test
    void unknownCategoryListsTheKnownOnes() {
        assertThatThrownBy(() -> db.category("orders"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("unknown shard category 'orders': the known categories are [users, events]");
        assertThatThrownBy(() -> ShardedDatabase.builder().category("users", db.category("users").map(), MODULO)
            .category("users", db.category("users").map(), MODULO))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shard category 'users' is already declared");
    }
}
