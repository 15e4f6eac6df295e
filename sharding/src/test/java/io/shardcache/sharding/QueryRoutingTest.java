package io.shardcache.sharding;

import static io.shardcache.sharding.Items.MODULO;
import static io.shardcache.sharding.Shop.COUNTRIES;
import static io.shardcache.sharding.Shop.ORDERS;
import static io.shardcache.sharding.Shop.USERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.insertInto;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.selectFrom;

import java.io.IOException;
import org.jooq.Query;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Shards of queries on a 16-shard map whose servers listen on nothing: routing never connects. */
class QueryRoutingTest {

    private Sharding sharding;
    private QueryRouting routing;

    @BeforeEach
    void create() throws IOException {
        int port = ShardingTest.closedPort();
        ShardMap map = ShardMap.builder().logicalShards(16).applicationSchema(Items.APP_SCHEMA)
            .physical("db1", ShardingTest.dead(port, "a"), 0, 8).physical("db2", ShardingTest.dead(port, "b"), 8, 16).build();
        sharding = Sharding.create(map, MODULO);
        routing = QueryRouting.of(sharding, Shop.TABLES);
    }

    @AfterEach
    void close() {
        sharding.close();
    }

    @Test
    void oneKeyRoutesToItsShardsContext() {
        Query q = selectFrom(USERS).where(USERS.ID.eq(37L));
        assertThat(routing.shardsOf(q)).containsExactly(5);
        assertThat(routing.route(q)).isSameAs(sharding.onShard(5));
        assertThat(routing.route(q).render(q)).contains("\"shard_0005\".\"users\"");
    }

    @Test
    void keysAreConvertedToTheColumnTypeBeforeTheRouterSeesThem() {
        // MODULO refuses Integer keys; the column is BIGINT, so the router is given a Long.
        assertThat(routing.shardsOf(selectFrom(USERS).where(field(name("app", "users", "id")).eq(18)))).containsExactly(2);
    }

    @Test
    void inListSpanningShardsIsListedButNotRoutedToOne() {
        Query q = selectFrom(USERS).where(USERS.ID.in(1L, 17L, 2L));
        assertThat(routing.shardsOf(q)).containsExactly(1, 2);
        assertThat(routing.shardsOf(selectFrom(USERS).where(USERS.ID.in(3L, 19L, 35L)))).containsExactly(3);
        assertThatThrownBy(() -> routing.route(q)).isInstanceOf(UnroutableQueryException.class)
            .hasMessage("query's keys are on 2 logical shards [shard 1 (keys [1, 17]), shard 2 (keys [2])]; "
                + "run it once per shard with keys of that shard only, or through onAll");
        assertThatThrownBy(() -> routing.execute(insertInto(USERS, USERS.ID, USERS.NAME).values(1L, "a").values(2L, "b")))
            .isInstanceOf(UnroutableQueryException.class).hasMessageContaining("on 2 logical shards");
    }

    @Test
    void twoShardedTablesMustPinTheSameShards() {
        assertThat(routing.shardsOf(select().from(USERS, ORDERS).where(USERS.ID.eq(5L), ORDERS.USER_ID.eq(21L))))
            .containsExactly(5);
        assertThatThrownBy(() -> routing.shardsOf(select().from(USERS, ORDERS).where(USERS.ID.eq(5L), ORDERS.USER_ID.eq(6L))))
            .isInstanceOf(UnroutableQueryException.class)
            .hasMessage("query pins sharded tables to different shards: users by users.id to [shard 5 (keys [5])], "
                + "orders by orders.user_id to [shard 6 (keys [6])]; pin both to keys of the same shards, or run it through onAll");
    }

    @Test
    void unshardedOnlyQueriesAreRefused() {
        assertThatThrownBy(() -> routing.shardsOf(selectFrom(COUNTRIES).where(COUNTRIES.CODE.eq("fr"))))
            .isInstanceOf(UnroutableQueryException.class)
            .hasMessage("query touches no sharded table (sharded: ShardedTables[app.users by id, app.orders by user_id]); "
                + "run it on the unsharded database, or pick a shard with on(key) or onShard(n)");
    }

    @Test
    void declarationsAreChecked() {
        assertThatThrownBy(() -> ShardedTables.builder().table(USERS, USERS.ID).table(USERS, USERS.NAME))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("table app.users is already declared sharded by id; it cannot also be sharded by name (declare each table once)");
        assertThatThrownBy(() -> ShardedTables.builder().table(USERS, ORDERS.USER_ID))
            .hasMessage("shard-key column \"app\".\"orders\".\"user_id\" belongs to table app.orders, not to app.users");
        assertThatThrownBy(() -> ShardedTables.builder().table(Items.ITEMS.as("i"), Items.ID))
            .hasMessageStartingWith("declare the table itself, not the alias");
        assertThatThrownBy(() -> ShardedTables.builder().table(USERS.as("u"), USERS.ID))
            .hasMessage("shard-key column \"app\".\"users\".\"id\" belongs to table app.users, not to u");
        assertThatThrownBy(() -> ShardedTables.builder().build()).hasMessageStartingWith("no sharded table declared");
        assertThat(Shop.TABLES.shardKeyOf(USERS.as("x"))).contains(USERS.ID);
        assertThat(Shop.TABLES.shardKeyOf(COUNTRIES)).isEmpty();
    }
}
