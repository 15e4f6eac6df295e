package io.shardcache.sharding;

import static io.shardcache.sharding.Shop.COUNTRIES;
import static io.shardcache.sharding.Shop.ORDERS;
import static io.shardcache.sharding.Shop.USERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jooq.impl.DSL.abs;
import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.deleteFrom;
import static org.jooq.impl.DSL.exists;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.insertInto;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.not;
import static org.jooq.impl.DSL.param;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.selectFrom;
import static org.jooq.impl.DSL.selectOne;
import static org.jooq.impl.DSL.update;
import static org.jooq.impl.DSL.val;

import io.shardcache.sharding.internal.ShardKeyFinder;
import io.shardcache.sharding.internal.ShardKeyFinder.Pin;
import java.util.List;
import java.util.Set;
import org.jooq.Query;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

/** The analyzer on many query shapes; no database. */
class ShardKeyFinderTest {

    private final ShardKeyFinder finder = new ShardKeyFinder(Shop.TABLES);

    private List<Pin> pins(Query q) {
        return finder.find(q);
    }

    /** The keys of the only sharded table of {@code q}. */
    private Set<Object> keys(Query q) {
        List<Pin> pins = pins(q);
        assertThat(pins).hasSize(1);
        return pins.getFirst().keys();
    }

    private static final String USERS_NOT_PINNED =
        "query on sharded table users has no equality or IN predicate on users.id; add one or run it through onAll";

    private void refusedAsUnpinned(Query q) {
        assertThatThrownBy(() -> pins(q)).isInstanceOf(UnroutableQueryException.class).hasMessage(USERS_NOT_PINNED);
    }

    private void refusedAsNested(Query q, String table) {
        assertThatThrownBy(() -> pins(q)).isInstanceOf(UnroutableQueryException.class)
            .hasMessageStartingWith("query reads sharded table " + table + " in a subquery, a set operation");
    }

    // ---- what pins ----

    @Test
    void equality() {
        assertThat(keys(selectFrom(USERS).where(USERS.ID.eq(5L)))).containsExactly(5L);
    }

    @Test
    void reversedEqualityAndInlineValues() {
        assertThat(keys(selectFrom(USERS).where(val(7L).eq(USERS.ID)))).containsExactly(7L);
        assertThat(keys(selectFrom(USERS).where(USERS.ID.eq(inline(8L))))).containsExactly(8L);
        assertThat(keys(selectFrom(USERS).where(USERS.ID.isNotDistinctFrom(9L)))).containsExactly(9L);
    }

    @Test
    void inList() {
        assertThat(keys(selectFrom(USERS).where(USERS.ID.in(1L, 2L, 3L)))).containsExactly(1L, 2L, 3L);
        assertThat(keys(selectFrom(USERS).where(USERS.ID.in(List.of(4L, 4L))))).containsExactly(4L);
    }

    @Test
    void andNeedsOnePinningConjunctAndIntersects() {
        assertThat(keys(selectFrom(USERS).where(USERS.NAME.eq("ann").and(USERS.ID.eq(5L)).and(USERS.SHARD.gt(0)))))
            .containsExactly(5L);
        assertThat(keys(selectFrom(USERS).where(USERS.ID.in(1L, 2L, 3L), USERS.ID.in(2L, 3L, 4L)))).containsExactly(2L, 3L);
        // Contradictory conjuncts match no row: either conjunct's shard is a correct place to find nothing.
        assertThat(keys(selectFrom(USERS).where(USERS.ID.eq(1L).and(USERS.ID.eq(2L))))).containsExactly(1L);
    }

    @Test
    void orPinsOnlyWhenEveryDisjunctPins() {
        assertThat(keys(selectFrom(USERS).where(USERS.ID.eq(1L).or(USERS.ID.in(2L, 3L)).or(USERS.ID.eq(1L)))))
            .containsExactlyInAnyOrder(1L, 2L, 3L);
        refusedAsUnpinned(selectFrom(USERS).where(USERS.ID.eq(1L).or(USERS.NAME.eq("ann"))));
        assertThat(keys(selectFrom(USERS).where(USERS.ID.eq(1L).and(USERS.NAME.eq("a")).or(USERS.ID.eq(2L)))))
            .containsExactlyInAnyOrder(1L, 2L);
    }

    @Test
    void valuesAreConvertedToTheColumnsType() {
        // An untyped field with the column's qualified name, compared with an Integer: the router gets a Long.
        assertThat(keys(selectFrom(USERS).where(field(name("app", "users", "id")).eq(5))))
            .singleElement().isEqualTo(5L).isInstanceOf(Long.class);
        assertThat(keys(selectFrom(USERS).where(field(name("users", "id")).eq("6")))).containsExactly(6L);
    }

    @Test
    void namedParameterWithAValuePins() {
        assertThat(keys(selectFrom(USERS).where(USERS.ID.eq(param("id", 11L))))).containsExactly(11L);
    }

    @Test
    void joinPinsTheJoinedTableThroughItsCondition() {
        List<Pin> pins = pins(select().from(USERS).join(ORDERS).on(ORDERS.USER_ID.eq(USERS.ID)).where(USERS.ID.eq(5L)));
        assertThat(pins).extracting(Pin::columnText).containsExactly("users.id", "orders.user_id");
        assertThat(pins).allSatisfy(p -> assertThat(p.keys()).containsExactly(5L));
    }

    @Test
    void aliasesAndLeftJoins() {
        Shop.Users u = USERS.as("u");
        Shop.Orders o = ORDERS.as("o");
        List<Pin> pins = pins(select().from(u.leftJoin(o).on(o.USER_ID.eq(u.ID))).where(u.ID.in(5L, 6L)));
        assertThat(pins).extracting(Pin::tableText).containsExactly("users (as u)", "orders (as o)");
        assertThat(pins).allSatisfy(p -> assertThat(p.keys()).containsExactly(5L, 6L));
        // The ON condition of a left join does not restrict the preserved side.
        assertThatThrownBy(() -> pins(select().from(u.leftJoin(o).on(o.USER_ID.eq(u.ID).and(u.ID.eq(5L))))))
            .hasMessage("query on sharded table users (as u) has no equality or IN predicate on u.id; add one or run it through onAll");
        // A full join's ON restricts neither side.
        assertThatThrownBy(() -> pins(select().from(u.fullJoin(o).on(o.USER_ID.eq(u.ID))).where(u.ID.eq(5L))))
            .hasMessageStartingWith("query on sharded table orders (as o) has no equality or IN predicate on o.user_id");
    }

    @Test
    void selfJoinPinsEachOccurrence() {
        Shop.Users a = USERS.as("a");
        Shop.Users b = USERS.as("b");
        List<Pin> pins = pins(select().from(a, b).where(a.ID.eq(1L)).and(b.ID.eq(2L)));
        assertThat(pins).extracting(Pin::keys).containsExactly(Set.of(1L), Set.of(2L));
        assertThatThrownBy(() -> pins(select().from(a, b).where(a.ID.eq(1L))))
            .hasMessageContaining("sharded table users (as b) has no equality or IN predicate on b.id");
    }

    @Test
    void unshardedTablesMayJoinAndUnqualifiedColumnsResolveWithOneTable() {
        assertThat(keys(select().from(USERS).join(COUNTRIES).on(COUNTRIES.CODE.eq(USERS.NAME)).where(USERS.ID.eq(3L))))
            .containsExactly(3L);
        assertThat(keys(selectFrom(USERS).where(field(name("id"), Long.class).eq(4L)))).containsExactly(4L);
        // With two tables an unqualified "id" could be either table's: it pins nothing.
        refusedAsUnpinned(select().from(USERS, COUNTRIES).where(field(name("id"), Long.class).eq(4L)));
    }

    @Test
    void twoShardedTablesEachKeepTheirOwnKeys() {
        List<Pin> pins = pins(select().from(USERS, ORDERS).where(USERS.ID.eq(1L), ORDERS.USER_ID.eq(2L)));
        assertThat(pins).extracting(Pin::keys).containsExactly(Set.of(1L), Set.of(2L));
        assertThatThrownBy(() -> pins(select().from(USERS, ORDERS).where(USERS.ID.eq(1L))))
            .hasMessage("query on sharded table orders has no equality or IN predicate on orders.user_id; add one or run it through onAll");
    }

    @Test
    void unshardedOnlyHasNoPins() {
        assertThat(pins(selectFrom(COUNTRIES).where(COUNTRIES.CODE.eq("fr")))).isEmpty();
        assertThat(pins(selectOne())).isEmpty();
    }

    // ---- what does not pin ----

    @Test
    void noPredicateRangesNotAndFunctionsDoNotPin() {
        refusedAsUnpinned(selectFrom(USERS));
        refusedAsUnpinned(selectFrom(USERS).where(USERS.NAME.eq("ann")));
        refusedAsUnpinned(selectFrom(USERS).where(USERS.ID.gt(5L)));
        refusedAsUnpinned(selectFrom(USERS).where(USERS.ID.between(5L, 6L)));
        refusedAsUnpinned(selectFrom(USERS).where(not(USERS.ID.eq(5L))));
        refusedAsUnpinned(selectFrom(USERS).where(USERS.ID.ne(5L)));
        refusedAsUnpinned(selectFrom(USERS).where(USERS.ID.notIn(5L, 6L)));
        refusedAsUnpinned(selectFrom(USERS).where(abs(USERS.ID).eq(5L)));
        refusedAsUnpinned(selectFrom(USERS).where(USERS.ID.plus(1).eq(6L)));
        refusedAsUnpinned(selectFrom(USERS).where(USERS.ID.in(List.<Long>of())));
        // HAVING is not a row filter of the table
        refusedAsUnpinned(select(USERS.ID, count()).from(USERS).groupBy(USERS.ID).having(USERS.ID.eq(5L)));
    }

    @Test
    void nullAndValuelessBindValuesDoNotPin() {
        refusedAsUnpinned(selectFrom(USERS).where(USERS.ID.eq((Long) null)));
        refusedAsUnpinned(selectFrom(USERS).where(USERS.ID.eq(param("id", Long.class))));
        refusedAsUnpinned(selectFrom(USERS).where(USERS.ID.in(1L, null)));
        refusedAsUnpinned(selectFrom(USERS).where(USERS.ID.eq(ORDERS.ID)));
    }

    @Test
    void inSubqueryDoesNotPinAndAShardedTableInASubqueryIsRefused() {
        refusedAsUnpinned(selectFrom(USERS).where(USERS.ID.in(select(ORDERS.USER_ID).from(ORDERS).where(ORDERS.USER_ID.eq(5L)))));
        // The outer table is pinned, but orders would be read on users' shard only.
        refusedAsNested(selectFrom(USERS).where(USERS.ID.eq(5L).and(USERS.ID.in(select(ORDERS.USER_ID).from(ORDERS)))), "orders");
        refusedAsNested(selectFrom(USERS).where(USERS.ID.eq(5L)).and(exists(selectOne().from(ORDERS).where(ORDERS.USER_ID.eq(USERS.ID)))), "orders");
        refusedAsNested(select(USERS.ID, field(select(count()).from(ORDERS))).from(USERS).where(USERS.ID.eq(5L)), "orders");
        // A subquery on an unsharded table is fine.
        assertThat(keys(selectFrom(USERS).where(USERS.ID.eq(5L)).and(USERS.NAME.in(select(COUNTRIES.NAME).from(COUNTRIES)))))
            .containsExactly(5L);
    }

    @Test
    void unionsCtesAndDerivedTablesAreRefused() {
        refusedAsNested(selectFrom(USERS).where(USERS.ID.eq(5L)).union(selectFrom(USERS).where(USERS.ID.eq(6L))), "users");
        refusedAsNested(selectFrom(USERS).where(USERS.ID.eq(5L)).unionAll(selectFrom(USERS).where(USERS.ID.eq(5L))), "users");
        var cte = name("c").as(select(USERS.ID).from(USERS));
        refusedAsNested(DSL.with(cte).select().from(cte).where(field(name("c", "id")).eq(5L)), "users");
        refusedAsNested(select().from(select(USERS.ID).from(USERS).where(USERS.ID.eq(5L)).asTable("d")), "users");
    }

    // ---- DML ----

    @Test
    void insertValuesPinsEveryRowsKey() {
        assertThat(keys(insertInto(USERS, USERS.ID, USERS.SHARD, USERS.NAME).values(5L, 5, "a").values(6L, 6, "b")))
            .containsExactly(5L, 6L);
        assertThat(keys(insertInto(USERS).set(USERS.ID, 7L).set(USERS.NAME, "c"))).containsExactly(7L);
        assertThat(keys(insertInto(USERS, USERS.NAME, USERS.ID).values("d", 8L).returning())).containsExactly(8L);
        assertThat(keys(insertInto(USERS, USERS.ID, USERS.NAME).values(9L, "e").onConflictDoNothing())).containsExactly(9L);
    }

    @Test
    void insertWithoutTheKeyOrFromASelectIsRefused() {
        assertThatThrownBy(() -> pins(insertInto(USERS, USERS.NAME).values("x")))
            .isInstanceOf(UnroutableQueryException.class)
            .hasMessage("INSERT into sharded table users does not set users.id; give it in every row, or run it through onAll");
        assertThatThrownBy(() -> pins(insertInto(USERS, USERS.ID, USERS.NAME).values(1L, "x").values((Long) null, "y")))
            .hasMessageStartingWith("INSERT into sharded table users: row 2 gives users.id as null, not a value");
        assertThatThrownBy(() -> pins(insertInto(USERS, USERS.ID).select(select(ORDERS.USER_ID).from(ORDERS).where(ORDERS.USER_ID.eq(1L)))))
            .hasMessageStartingWith("INSERT ... SELECT into sharded table users");
        assertThatThrownBy(() -> pins(insertInto(USERS).defaultValues())).hasMessageContaining("does not set users.id");
        // An unsharded target reading a sharded table.
        refusedAsNested(insertInto(COUNTRIES, COUNTRIES.CODE).select(select(USERS.NAME).from(USERS).where(USERS.ID.eq(1L))), "users");
    }

    @Test
    void updateAndDeleteAreReadFromTheirWhere() {
        assertThat(keys(update(USERS).set(USERS.NAME, "x").where(USERS.ID.eq(5L)))).containsExactly(5L);
        assertThat(keys(update(USERS).set(USERS.NAME, "x").where(USERS.ID.in(5L, 6L)).returning(USERS.ID))).containsExactly(5L, 6L);
        assertThat(keys(deleteFrom(USERS).where(USERS.ID.eq(5L)))).containsExactly(5L);
        assertThat(keys(deleteFrom(USERS).where(USERS.ID.eq(6L)).returning())).containsExactly(6L);
        refusedAsUnpinned(update(USERS).set(USERS.NAME, "x"));
        refusedAsUnpinned(deleteFrom(USERS).where(USERS.ID.ge(5L)));
        List<Pin> pins = pins(update(USERS).set(USERS.NAME, "x").from(ORDERS).where(ORDERS.USER_ID.eq(USERS.ID), ORDERS.USER_ID.eq(5L)));
        assertThat(pins).extracting(Pin::keys).containsExactly(Set.of(5L), Set.of(5L));
        assertThatThrownBy(() -> pins(deleteFrom(USERS).using(ORDERS).where(USERS.ID.eq(5L))))
            .hasMessageStartingWith("query on sharded table orders has no equality or IN predicate on orders.user_id");
        refusedAsNested(update(USERS).set(USERS.SHARD, select(ORDERS.SHARD).from(ORDERS).limit(1)).where(USERS.ID.eq(5L)), "orders");
    }

    @Test
    void plainSqlIsRefused() {
        assertThatThrownBy(() -> pins(DSL.query("delete from app.users where id = 5")))
            .isInstanceOf(UnroutableQueryException.class)
            .hasMessageStartingWith("cannot read the shard key of a ");
    }
}
