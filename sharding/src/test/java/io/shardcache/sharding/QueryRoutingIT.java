package io.shardcache.sharding;

import static io.shardcache.sharding.Items.MODULO;
import static io.shardcache.sharding.Shop.COUNTRIES;
import static io.shardcache.sharding.Shop.ORDERS;
import static io.shardcache.sharding.Shop.USERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jooq.impl.DSL.deleteFrom;
import static org.jooq.impl.DSL.insertInto;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.selectFrom;
import static org.jooq.impl.DSL.sum;
import static org.jooq.impl.DSL.update;

import java.util.ArrayList;
import java.util.List;
import org.jooq.Record;
import org.jooq.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Routed queries on two databases x 16 shards (8 each, modulo). Every row carries its shard in a column
 * that a CHECK constraint ties to the schema, so a misrouted insert fails; reads are checked with plain JDBC.
 * Each test uses its own id range.
 */
class QueryRoutingIT {

    static TestDatabases dbs;
    static String a;
    static String b;
    static Sharding sharding;
    static QueryRouting routing;

    @BeforeAll
    static void createShards() throws Exception {
        dbs = new TestDatabases();
        a = dbs.create("a");
        b = dbs.create("b");
        ShardMap map = dbs.sixteenShards(a, b).applicationSchema(Items.APP_SCHEMA)
            .build();
        sharding = Sharding.create(map, MODULO);
        sharding.createShards(Shop.TEMPLATE);
        routing = QueryRouting.of(sharding, Shop.TABLES);
    }

    @AfterAll
    static void dropDatabases() throws Exception {
        TestDatabases.close(sharding, dbs);
    }

    private static List<String> idsInSchema(int shard, String table, long from, long to) throws Exception {
        return dbs.query(shard < 8 ? a : b, "select id from \"" + sharding.schemaOf(shard) + "\"." + table
            + " where id between " + from + " and " + to + " order by id");
    }

    @Test
    void insertsLandInTheirShardsSchemaAndRoutedReadsFindThem() throws Exception {
        for (long id = 100; id < 132; id++)
            assertThat(routing.execute(insertInto(USERS, USERS.ID, USERS.SHARD, USERS.NAME)
                .values(id, (int) (id % 16), "user " + id))).isEqualTo(1);
        for (int shard = 0; shard < 16; shard++) {
            List<String> expected = new ArrayList<>();
            for (long id = 100; id < 132; id++)
                if (id % 16 == shard)
                    expected.add(Long.toString(id));
            assertThat(idsInSchema(shard, "users", 100, 131)).as("shard %d", shard).isEqualTo(expected).hasSize(2);
        }
        for (long id = 100; id < 132; id++) {
            Result<Record> r = routing.fetch(selectFrom(USERS).where(USERS.ID.eq(id)));
            assertThat(r).hasSize(1);
            assertThat(r.getFirst().get(USERS.SHARD)).isEqualTo((int) (id % 16));
            assertThat(r.getFirst().get(USERS.NAME)).isEqualTo("user " + id);
        }
        // An IN list whose keys share a shard runs there and finds both rows.
        assertThat(routing.fetch(selectFrom(USERS).where(USERS.ID.in(103L, 119L)).orderBy(USERS.ID)).getValues(USERS.ID))
            .containsExactly(103L, 119L);
    }

    @Test
    void joinsUpdatesAndDeletesRunOnTheKeysShard() throws Exception {
        long user = 205;    // shard 13, on db2
        routing.execute(insertInto(USERS, USERS.ID, USERS.SHARD, USERS.NAME).values(user, 13, "ann"));
        routing.execute(insertInto(ORDERS, ORDERS.ID, ORDERS.USER_ID, ORDERS.SHARD, ORDERS.TOTAL)
            .values(9001L, user, 13, 10).values(9002L, user, 13, 32));
        assertThat(idsInSchema(13, "orders", 9001, 9002)).containsExactly("9001", "9002");

        Shop.Users u = USERS.as("u");
        Shop.Orders o = ORDERS.as("o");
        var totals = select(u.NAME, sum(o.TOTAL)).from(u.join(o).on(o.USER_ID.eq(u.ID)))
            .join(COUNTRIES).on(COUNTRIES.CODE.eq("nz")).where(u.ID.eq(user)).groupBy(u.NAME);
        assertThat(routing.shardsOf(totals)).containsExactly(13);
        var row = routing.fetch(totals).getFirst();
        assertThat(row.value1()).isEqualTo("ann");
        assertThat(row.value2()).isEqualByComparingTo("42");

        assertThat(routing.execute(update(ORDERS).set(ORDERS.TOTAL, 50).where(ORDERS.USER_ID.eq(user).and(ORDERS.ID.eq(9001L)))))
            .isEqualTo(1);
        assertThat(dbs.query(b, "select total from shard_0013.orders where id = 9001")).containsExactly("50");
        assertThat(routing.execute(deleteFrom(ORDERS).where(ORDERS.USER_ID.eq(user)).returning()))
            .isEqualTo(2);
        assertThat(idsInSchema(13, "orders", 9001, 9002)).isEmpty();
    }

    @Test
    void refusedQueriesThrowBeforeAnythingRuns() throws Exception {
        for (long id = 300; id < 316; id++)
            routing.execute(insertInto(USERS, USERS.ID, USERS.SHARD, USERS.NAME).values(id, (int) (id % 16), "x"));

        assertThatThrownBy(() -> routing.execute(deleteFrom(USERS).where(USERS.ID.ge(300L))))
            .isInstanceOf(UnroutableQueryException.class)
            .hasMessage("query on sharded table users has no equality or IN predicate on users.id; add one or run it through onAll");
        assertThatThrownBy(() -> routing.execute(update(USERS).set(USERS.NAME, "changed").where(USERS.ID.eq(300L))
                .or(USERS.NAME.eq("x"))))
            .isInstanceOf(UnroutableQueryException.class);
        // Keys on two shards: neither row is inserted anywhere.
        assertThatThrownBy(() -> routing.execute(insertInto(USERS, USERS.ID, USERS.SHARD, USERS.NAME)
                .values(400L, 0, "y").values(401L, 1, "y")))
            .isInstanceOf(UnroutableQueryException.class).hasMessageContaining("on 2 logical shards");
        // A routed outer query with a sharded table in a subquery.
        assertThatThrownBy(() -> routing.execute(deleteFrom(USERS).where(USERS.ID.eq(300L))
                .and(USERS.ID.in(select(ORDERS.USER_ID).from(ORDERS)))))
            .isInstanceOf(UnroutableQueryException.class).hasMessageStartingWith("query reads sharded table orders in a subquery");

        List<String> left = new ArrayList<>();
        for (int shard = 0; shard < 16; shard++)
            left.addAll(idsInSchema(shard, "users", 300, 401));
        assertThat(left).hasSize(16).doesNotContain("400", "401");
        assertThat(dbs.query(b, "select count(*) from shard_0012.users where name = 'changed'")).containsExactly("0");
        assertThat(sharding.onAll(ctx -> ctx.fetchCount(USERS, USERS.ID.between(300L, 401L).and(USERS.NAME.eq("x"))))
            .values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(16);
    }
}
