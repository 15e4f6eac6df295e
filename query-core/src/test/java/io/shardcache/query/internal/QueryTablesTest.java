package io.shardcache.query.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jooq.impl.DSL.array;
import static org.jooq.impl.DSL.coalesce;
import static org.jooq.impl.DSL.condition;
import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.excluded;
import static org.jooq.impl.DSL.exists;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.lateral;
import static org.jooq.impl.DSL.max;
import static org.jooq.impl.DSL.multiset;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.orderBy;
import static org.jooq.impl.DSL.partitionBy;
import static org.jooq.impl.DSL.rowNumber;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.selectOne;
import static org.jooq.impl.DSL.sum;
import static org.jooq.impl.DSL.table;
import static org.jooq.impl.DSL.unquotedName;
import static org.jooq.impl.DSL.val;
import static org.jooq.impl.DSL.when;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jooq.CommonTableExpression;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Name;
import org.jooq.QueryPart;
import org.jooq.Record;
import org.jooq.Record1;
import org.jooq.SQLDialect;
import org.jooq.Schema;
import org.jooq.Table;
import org.jooq.TableField;
import org.jooq.TableOptions;
import org.jooq.impl.CustomField;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jooq.impl.TableImpl;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class QueryTablesTest {

    static final DSLContext DSL_PG = DSL.using(SQLDialect.POSTGRES);

    // Tables as DSL.table(Name) declares them.
    static final Table<Record> ITEMS = table(name("public", "items"));
    static final Field<Integer> ITEMS_ID = field(name("public", "items", "id"), Integer.class);
    static final Field<String> ITEMS_NAME = field(name("public", "items", "name"), String.class);
    static final Field<Integer> ITEMS_CATEGORY = field(name("public", "items", "category_id"), Integer.class);

    static final Table<Record> ORDERS = table(name("public", "orders"));
    static final Field<Integer> ORDERS_ID = field(name("public", "orders", "id"), Integer.class);
    static final Field<Integer> ORDERS_ITEM = field(name("public", "orders", "item_id"), Integer.class);

    static final Table<Record> CATEGORIES = table(name("public", "categories"));
    static final Field<Integer> CATEGORIES_ID = field(name("public", "categories", "id"), Integer.class);

    static final Table<Record> AUDIT = table(name("audit", "log"));
    static final Field<Integer> AUDIT_ITEM = field(name("audit", "log", "item_id"), Integer.class);

    /** A table declared as jOOQ's code generator declares one: a TableImpl subclass with TableFields. */
    static final class Accounts extends TableImpl<Record> {
        static final Schema SHOP = DSL.schema(name("shop"));
        static final Accounts ACCOUNTS = new Accounts(name("accounts"), null);

        final TableField<Record, Long> ID = createField(name("id"), SQLDataType.BIGINT.notNull(), this, "");
        final TableField<Record, BigDecimal> BALANCE = createField(name("balance"), SQLDataType.NUMERIC(12, 2), this, "");

        private Accounts(Name alias, Table<Record> aliased) {
            super(alias, null, aliased);
        }

        @Override
        public Schema getSchema() {
            return aliased() ? null : SHOP;
        }

        @Override
        public Accounts as(Name alias) {
            return new Accounts(alias, this);
        }

        @Override
        public Accounts as(String alias) {
            return as(name(alias));
        }
    }

    static final Accounts ACCOUNTS = Accounts.ACCOUNTS;

    /** A generated view: its base tables are not in the model. */
    static final class ActiveItems extends TableImpl<Record> {
        static final ActiveItems ACTIVE_ITEMS = new ActiveItems();
        final TableField<Record, Integer> ID = createField(name("id"), SQLDataType.INTEGER, this, "");

        private ActiveItems() {
            super(name("active_items"), DSL.schema(name("public")), null, null, DSL.comment(""), TableOptions.view());
        }
    }

    static TableName t(String name) {
        return new TableName(name);
    }

    static Set<TableName> set(String... names) {
        return new LinkedHashSet<>(Arrays.stream(names).map(TableName::new).toList());
    }

    static void assertTables(QueryPart query, Set<TableName> reads, Set<TableName> writes) {
        QueryTables result = QueryTables.of(query);
        assertThat(result.reads()).as("reads of %s", query).isEqualTo(reads);
        assertThat(result.writes()).as("writes of %s", query).isEqualTo(writes);
        assertThat(result.complete()).as("complete: %s", query).isTrue();
    }

    static void assertIncomplete(QueryPart query, Set<TableName> reads, Set<TableName> writes) {
        QueryTables result = QueryTables.of(query);
        assertThat(result.complete()).as("complete: %s", query).isFalse();
        assertThat(result.reads()).as("reads seen in %s", query).isEqualTo(reads);
        assertThat(result.writes()).as("writes seen in %s", query).isEqualTo(writes);
    }

    @Nested
    class Selects {

        @Test
        void fromOneTable() {
            assertTables(DSL_PG.select(ITEMS_ID).from(ITEMS).where(ITEMS_ID.eq(1)), set("public.items"), set());
        }

        @Test
        void generatedStyleTable() {
            assertTables(DSL_PG.select(ACCOUNTS.ID).from(ACCOUNTS).where(ACCOUNTS.BALANCE.gt(BigDecimal.ZERO)),
                set("shop.accounts"), set());
        }

        @Test
        void tableWithoutSchemaIsItsName() {
            assertTables(DSL_PG.selectFrom(table(name("items"))), set("items"), set());
        }

        @Test
        void explicitlyUnquotedNamesAreLowerCasedQuotedOnesKept() {
            assertTables(DSL_PG.selectOne().from(table(unquotedName("Public", "Items"))).crossJoin(table(name("Public", "Items"))),
                set("public.items", "Public.Items"), set());
        }

        @Test
        void everyJoinKind() {
            assertTables(DSL_PG.select(ITEMS_ID)
                    .from(ITEMS)
                    .join(ORDERS).on(ORDERS_ITEM.eq(ITEMS_ID))
                    .leftJoin(CATEGORIES).on(CATEGORIES_ID.eq(ITEMS_CATEGORY))
                    .rightJoin(AUDIT).on(AUDIT_ITEM.eq(ITEMS_ID))
                    .fullJoin(ACCOUNTS).on(ACCOUNTS.ID.eq(ORDERS_ID.cast(Long.class)))
                    .crossJoin(table(name("public", "regions")))
                    .naturalJoin(table(name("public", "zones"))),
                set("public.items", "public.orders", "public.categories", "audit.log", "shop.accounts",
                    "public.regions", "public.zones"),
                set());
        }

        @Test
        void commaSeparatedFrom() {
            assertTables(DSL_PG.selectOne().from(ITEMS, ORDERS).where(ORDERS_ITEM.eq(ITEMS_ID)),
                set("public.items", "public.orders"), set());
        }

        @Test
        void aliasResolvesToTheTable() {
            Table<Record> i = ITEMS.as("i");
            assertTables(DSL_PG.select(i.field(ITEMS_ID)).from(i), set("public.items"), set());
        }

        @Test
        void generatedAliasResolvesToTheTable() {
            Accounts a = ACCOUNTS.as("a");
            assertTables(DSL_PG.select(a.ID).from(a).where(a.BALANCE.isNull()), set("shop.accounts"), set());
        }

        @Test
        void selfJoinCountsTheTableOnce() {
            Accounts a = ACCOUNTS.as("a");
            Accounts b = ACCOUNTS.as("b");
            assertTables(DSL_PG.select(a.ID, b.ID).from(a).join(b).on(a.BALANCE.eq(b.BALANCE)),
                set("shop.accounts"), set());
        }

        @Test
        void sameTableInTwoPlacesCountsOnce() {
            assertTables(DSL_PG.select(ITEMS_ID).from(ITEMS)
                    .where(ITEMS_ID.in(select(ORDERS_ITEM).from(ORDERS).join(ITEMS).on(ITEMS_ID.eq(ORDERS_ITEM)))),
                set("public.items", "public.orders"), set());
        }

        @Test
        void subqueryInWhereIn() {
            assertTables(DSL_PG.select(ITEMS_ID).from(ITEMS).where(ITEMS_ID.in(select(ORDERS_ITEM).from(ORDERS))),
                set("public.items", "public.orders"), set());
        }

        @Test
        void existsAndNotExists() {
            assertTables(DSL_PG.selectFrom(ITEMS)
                    .where(exists(selectOne().from(ORDERS).where(ORDERS_ITEM.eq(ITEMS_ID))))
                    .andNotExists(selectOne().from(AUDIT).where(AUDIT_ITEM.eq(ITEMS_ID))),
                set("public.items", "public.orders", "audit.log"), set());
        }

        @Test
        void scalarSubqueryInSelectList() {
            Field<Integer> orders = field(select(count()).from(ORDERS).where(ORDERS_ITEM.eq(ITEMS_ID)));
            assertTables(DSL_PG.select(ITEMS_ID, orders).from(ITEMS), set("public.items", "public.orders"), set());
        }

        @Test
        void subqueryInHaving() {
            assertTables(DSL_PG.select(ITEMS_CATEGORY, count()).from(ITEMS).groupBy(ITEMS_CATEGORY)
                    .having(count().gt(field(select(count()).from(CATEGORIES)))),
                set("public.items", "public.categories"), set());
        }

        @Test
        void subqueryInJoinConditionOrderByAndCase() {
            assertTables(DSL_PG.select(when(ITEMS_ID.in(select(AUDIT_ITEM).from(AUDIT)), inline("audited")).otherwise(inline("")))
                    .from(ITEMS)
                    .join(ORDERS).on(ORDERS_ITEM.eq(ITEMS_ID).and(ORDERS_ID.notIn(select(field(name("x", "id"), Integer.class))
                        .from(table(name("public", "refunds")).as("x")))))
                    .orderBy(field(select(max(CATEGORIES_ID)).from(CATEGORIES))),
                set("public.items", "audit.log", "public.orders", "public.refunds", "public.categories"), set());
        }

        @Test
        void subqueryInsideFunctionArgumentsAndQuantifiedComparison() {
            Field<Integer> newest = field(select(max(ORDERS_ID)).from(ORDERS));
            assertTables(DSL_PG.select(coalesce(newest, val(0)).plus(1))
                    .from(ITEMS)
                    .where(ITEMS_ID.gt(DSL.any(select(AUDIT_ITEM).from(AUDIT)))),
                set("public.orders", "public.items", "audit.log"), set());
        }

        @Test
        void arrayAndMultisetSubqueries() {
            assertTables(DSL_PG.select(ITEMS_ID,
                        array(select(ORDERS_ID).from(ORDERS).where(ORDERS_ITEM.eq(ITEMS_ID))),
                        multiset(select(AUDIT_ITEM).from(AUDIT).where(AUDIT_ITEM.eq(ITEMS_ID))))
                    .from(ITEMS),
                set("public.items", "public.orders", "audit.log"), set());
        }

        @Test
        void derivedTable() {
            Table<?> totals = select(ORDERS_ITEM, count().as("n")).from(ORDERS).groupBy(ORDERS_ITEM).asTable("totals");
            assertTables(DSL_PG.select().from(ITEMS).join(totals).on(totals.field(ORDERS_ITEM).eq(ITEMS_ID)),
                set("public.items", "public.orders"), set());
        }

        @Test
        void lateralSubquery() {
            Table<?> last = lateral(select(ORDERS_ID).from(ORDERS).where(ORDERS_ITEM.eq(ITEMS_ID)).orderBy(ORDERS_ID.desc()).limit(1))
                .as("last");
            assertTables(DSL_PG.select(ITEMS_ID).from(ITEMS).crossJoin(last), set("public.items", "public.orders"), set());
        }

        @Test
        void windowFunctionsAndArithmeticStayComplete() {
            // jOOQ renders "+", count(*)'s "*" and the OVER (...) parentheses through its own templates.
            assertTables(DSL_PG.select(ITEMS_ID.plus(1), count(), rowNumber().over(orderBy(ITEMS_ID)),
                        sum(ITEMS_ID).over(partitionBy(ITEMS_CATEGORY)))
                    .from(ITEMS).groupBy(ITEMS_ID, ITEMS_CATEGORY),
                set("public.items"), set());
        }

        @Test
        void lockingClauseIsStillARead() {
            assertTables(DSL_PG.selectFrom(ITEMS).forUpdate().skipLocked(), set("public.items"), set());
        }
    }

    @Nested
    class SetOperations {

        @Test
        void unionIntersectExcept() {
            assertTables(DSL_PG.select(ITEMS_ID).from(ITEMS)
                    .union(select(ORDERS_ITEM).from(ORDERS))
                    .intersect(select(AUDIT_ITEM).from(AUDIT))
                    .except(select(CATEGORIES_ID).from(CATEGORIES)),
                set("public.items", "public.orders", "audit.log", "public.categories"), set());
        }

        @Test
        void nestedUnionAllInsideSubquery() {
            Table<Record1<Integer>> ids = select(ORDERS_ITEM).from(ORDERS)
                .unionAll(select(AUDIT_ITEM).from(AUDIT).unionAll(select(CATEGORIES_ID).from(CATEGORIES)))
                .asTable("ids");
            assertTables(DSL_PG.selectFrom(ITEMS).where(ITEMS_ID.in(select(ids.field(0, Integer.class)).from(ids))),
                set("public.items", "public.orders", "audit.log", "public.categories"), set());
        }
    }

    @Nested
    class CommonTableExpressions {

        @Test
        void cteBodyIsReadAndCteNameIsNotATable() {
            assertTables(DSL_PG.with(name("recent").as(select(ORDERS_ITEM).from(ORDERS)))
                    .select().from(table(name("recent"))),
                set("public.orders"), set());
        }

        @Test
        void cteObjectReferencedDirectly() {
            CommonTableExpression<Record1<Integer>> recent = name("recent").as(select(ORDERS_ITEM).from(ORDERS));
            assertTables(DSL_PG.with(recent).select(ITEMS_ID).from(ITEMS).join(recent).on(recent.field(0, Integer.class).eq(ITEMS_ID)),
                set("public.orders", "public.items"), set());
        }

        @Test
        void laterCteReadsEarlierCte() {
            assertTables(DSL_PG.with(name("a").as(select(ORDERS_ITEM).from(ORDERS)))
                    .with(name("b").as(select().from(table(name("a"))).join(ITEMS).on(field(name("a", "item_id")).eq(ITEMS_ID))))
                    .select().from(table(name("b"))),
                set("public.orders", "public.items"), set());
        }

        @Test
        void cteBodyNamingItsOwnNameReadsTheRealTable() {
            // with items as (select * from items) select * from items: the body reads the table "items".
            assertTables(DSL_PG.with(name("items").as(select().from(table(name("items")))))
                    .select().from(table(name("items"))),
                set("items"), set());
        }

        @Test
        void recursiveCteSelfReferenceIsNotATable() {
            assertTables(DSL_PG.withRecursive(name("tree").fields("id").as(
                        select(CATEGORIES_ID).from(CATEGORIES).where(CATEGORIES_ID.eq(1))
                            .unionAll(select(CATEGORIES_ID).from(CATEGORIES)
                                .join(table(name("tree"))).on(field(name("tree", "id"), Integer.class).eq(CATEGORIES_ID)))))
                    .select().from(table(name("tree"))),
                set("public.categories"), set());
        }

        @Test
        void schemaQualifiedTableNamedLikeACteIsATable() {
            assertTables(DSL_PG.with(name("items").as(select(ORDERS_ITEM).from(ORDERS)))
                    .select().from(table(name("items"))).crossJoin(ITEMS),
                set("public.orders", "public.items"), set());
        }

        @Test
        void cteOfASubqueryDoesNotHideATableOutsideIt() {
            // The CTE "log" is only in scope inside the subquery: the outer "log" is a table.
            assertTables(DSL_PG.select().from(table(name("log")))
                    .where(field(name("log", "id")).in(
                        DSL.with(name("log").as(select(AUDIT_ITEM).from(AUDIT))).select(field(name("item_id"))).from(table(name("log"))))),
                set("log", "audit.log"), set());
        }

        @Test
        void dataModifyingCteIsAWrite() {
            assertTables(DSL_PG.with(name("gone").as(DSL_PG.deleteFrom(ORDERS).where(ORDERS_ID.lt(10)).returning(ORDERS_ITEM)))
                    .select().from(table(name("gone"))),
                set(), set("public.orders"));
        }

        @Test
        void insertInsideCteWithSelectSource() {
            assertTables(DSL_PG.with(name("copied").as(DSL_PG.insertInto(AUDIT, AUDIT_ITEM).select(select(ITEMS_ID).from(ITEMS)).returning(AUDIT_ITEM)))
                    .select(count()).from(table(name("copied"))),
                set("public.items"), set("audit.log"));
        }
    }

    @Nested
    class Writes {

        @Test
        void insertValues() {
            assertTables(DSL_PG.insertInto(ITEMS, ITEMS_ID, ITEMS_NAME).values(1, "a").values(2, "b"), set(), set("public.items"));
        }

        @Test
        void insertSelect() {
            assertTables(DSL_PG.insertInto(AUDIT, AUDIT_ITEM).select(select(ITEMS_ID).from(ITEMS).join(ORDERS).on(ORDERS_ITEM.eq(ITEMS_ID))),
                set("public.items", "public.orders"), set("audit.log"));
        }

        @Test
        void insertOnConflictDoUpdateReturning() {
            assertTables(DSL_PG.insertInto(ITEMS, ITEMS_ID, ITEMS_NAME).values(1, "a")
                    .onConflict(ITEMS_ID).doUpdate().set(ITEMS_NAME, excluded(ITEMS_NAME))
                    .returning(ITEMS_ID),
                set(), set("public.items"));
        }

        @Test
        void generatedTableInsert() {
            assertTables(DSL_PG.insertInto(ACCOUNTS).set(ACCOUNTS.ID, 1L).set(ACCOUNTS.BALANCE, BigDecimal.ONE),
                set(), set("shop.accounts"));
        }

        @Test
        void update() {
            assertTables(DSL_PG.update(ITEMS).set(ITEMS_NAME, "x").where(ITEMS_ID.eq(1)), set(), set("public.items"));
        }

        @Test
        void updateReferencingItsOwnColumnsDoesNotReadIt() {
            assertTables(DSL_PG.update(ACCOUNTS).set(ACCOUNTS.BALANCE, ACCOUNTS.BALANCE.plus(1)).where(ACCOUNTS.ID.eq(1L)).returning(ACCOUNTS.BALANCE),
                set(), set("shop.accounts"));
        }

        @Test
        void updateOfAnAliasedTable() {
            Accounts a = ACCOUNTS.as("a");
            assertTables(DSL_PG.update(a).set(a.BALANCE, BigDecimal.ZERO).where(a.ID.eq(1L)), set(), set("shop.accounts"));
        }

        @Test
        void updateWithSubqueryInWhereAndSet() {
            assertTables(DSL_PG.update(ITEMS)
                    .set(ITEMS_NAME, field(select(max(field(name("public", "categories", "name"), String.class))).from(CATEGORIES)))
                    .where(ITEMS_ID.in(select(ORDERS_ITEM).from(ORDERS))),
                set("public.categories", "public.orders"), set("public.items"));
        }

        @Test
        void updateFrom() {
            assertTables(DSL_PG.update(ITEMS).set(ITEMS_NAME, "x").from(ORDERS).where(ORDERS_ITEM.eq(ITEMS_ID)),
                set("public.orders"), set("public.items"));
        }

        @Test
        void updateFromTheSameTableReadsIt() {
            Accounts other = ACCOUNTS.as("other");
            assertTables(DSL_PG.update(ACCOUNTS).set(ACCOUNTS.BALANCE, other.BALANCE).from(other).where(other.ID.eq(ACCOUNTS.ID.plus(1))),
                set("shop.accounts"), set("shop.accounts"));
        }

        @Test
        void delete() {
            assertTables(DSL_PG.deleteFrom(ORDERS).where(ORDERS_ID.eq(1)), set(), set("public.orders"));
        }

        @Test
        void deleteUsing() {
            assertTables(DSL_PG.deleteFrom(ORDERS).using(ITEMS).where(ORDERS_ITEM.eq(ITEMS_ID)).and(ITEMS_NAME.eq("x")),
                set("public.items"), set("public.orders"));
        }

        @Test
        void deleteWithSubqueryOnItsOwnTable() {
            assertTables(DSL_PG.deleteFrom(ORDERS).where(ORDERS_ID.in(select(max(ORDERS_ID)).from(ORDERS))).returning(),
                set("public.orders"), set("public.orders"));
        }

        @Test
        void mergeUsingTable() {
            assertTables(DSL_PG.mergeInto(ITEMS).using(ORDERS).on(ITEMS_ID.eq(ORDERS_ITEM))
                    .whenMatchedThenUpdate().set(ITEMS_NAME, "ordered")
                    .whenNotMatchedThenInsert(ITEMS_ID).values(ORDERS_ITEM),
                set("public.orders"), set("public.items"));
        }

        @Test
        void mergeUsingSubqueryWithConditions() {
            Table<?> src = select(ORDERS_ITEM).from(ORDERS).where(ORDERS_ID.gt(10)).asTable("src");
            assertTables(DSL_PG.mergeInto(ITEMS).using(src).on(ITEMS_ID.eq(src.field(ORDERS_ITEM)))
                    .whenMatchedAnd(ITEMS_ID.notIn(select(AUDIT_ITEM).from(AUDIT))).thenDelete(),
                set("public.orders", "audit.log"), set("public.items"));
        }

        @Test
        void truncate() {
            assertTables(DSL_PG.truncate(ITEMS).cascade(), set(), set("public.items"));
        }

        @Test
        void truncateSeveral() {
            assertTables(DSL_PG.truncate(ITEMS, ACCOUNTS), set(), set("public.items", "shop.accounts"));
        }

        @Test
        void selectIntoWritesItsTableButIsDdl() {
            // PostgreSQL gets CREATE TABLE … AS: a new table is DDL, which the analyzer leaves to the caller.
            assertIncomplete(DSL_PG.select(ITEMS_ID).into(table(name("public", "items_copy"))).from(ITEMS),
                set("public.items"), set("public.items_copy"));
        }

        @Test
        void batchIsTheUnion() {
            QueryTables batch = QueryTables.ofBatch(List.of(
                DSL_PG.insertInto(ITEMS, ITEMS_ID).values(1),
                DSL_PG.update(ACCOUNTS).set(ACCOUNTS.BALANCE, BigDecimal.ONE),
                DSL_PG.deleteFrom(ORDERS).where(ORDERS_ITEM.in(select(AUDIT_ITEM).from(AUDIT)))));
            assertThat(batch).isEqualTo(new QueryTables(set("audit.log"), set("public.items", "shop.accounts", "public.orders"), Set.of()));
            assertThat(batch.complete()).isTrue();
        }

        @Test
        void batchWithOnePlainSqlStatementIsIncomplete() {
            QueryTables batch = QueryTables.ofBatch(List.of(
                DSL_PG.insertInto(ITEMS, ITEMS_ID).values(1),
                DSL_PG.query("delete from orders")));
            assertThat(batch.reads()).isEmpty();
            assertThat(batch.writes()).isEqualTo(set("public.items"));
            assertThat(batch.opaque()).containsExactly("plain SQL: delete from orders");
            assertThat(batch.complete()).isFalse();
        }
    }

    @Nested
    class Incomplete {

        @Test
        void plainSqlTable() {
            assertIncomplete(DSL_PG.select().from(table("items")), set(), set());
        }

        @Test
        void plainSqlTableJoinedToANamedOne() {
            assertIncomplete(DSL_PG.select().from(ITEMS).join("orders o").on("o.item_id = items.id"), set("public.items"), set());
        }

        @Test
        void plainSqlField() {
            assertIncomplete(DSL_PG.select(field("(select max(id) from orders)")).from(ITEMS), set("public.items"), set());
        }

        @Test
        void plainSqlCondition() {
            assertIncomplete(DSL_PG.selectFrom(ITEMS).where(condition("id in (select item_id from orders)")), set("public.items"), set());
        }

        @Test
        void plainSqlWhereStringIsNamedInTheReason() {
            assertIncomplete(DSL_PG.selectFrom(ITEMS).where("id > 3"), set("public.items"), set());
            assertThat(QueryTables.of(DSL_PG.selectFrom(ITEMS).where("id > 3")).opaque()).containsExactly("plain SQL: id > 3");
        }

        @Test
        void plainSqlInsideASubquery() {
            assertIncomplete(DSL_PG.selectFrom(ITEMS).where(ITEMS_ID.in(select(ORDERS_ITEM).from(ORDERS).where("true"))),
                set("public.items", "public.orders"), set());
        }

        @Test
        void sqlTemplateWithQueryPartArguments() {
            assertIncomplete(DSL_PG.select(field("{0} + 1", Integer.class, ITEMS_ID)).from(ITEMS), set("public.items"), set());
        }

        @Test
        void plainSqlTableTemplateOfAName() {
            assertIncomplete(DSL_PG.selectFrom(table("{0}", name("secret"))), set(), set());
        }

        @Test
        void plainSqlResultQueryAndQuery() {
            assertIncomplete(DSL_PG.resultQuery("select * from items"), set(), set());
            assertIncomplete(DSL_PG.query("update items set name = 'x'"), set(), set());
        }

        @Test
        void plainSqlWriteTarget() {
            assertIncomplete(DSL_PG.deleteFrom(table("orders")).where(ORDERS_ID.eq(1)), set(), set());
        }

        @Test
        void functionBodiesAreAKnownBlindSpot() {
            // Documented gap: jOOQ renders coalesce & co. through the class DSL.function uses, so a user
            // function (which may read tables) cannot be told apart and is not flagged.
            assertTables(DSL_PG.select(DSL.function(name("public", "stock_of"), Integer.class, ITEMS_ID)).from(ITEMS),
                set("public.items"), set());
        }

        @Test
        void customFieldPrintsWhatItLikes() {
            Field<Integer> custom = CustomField.of(name("c"), SQLDataType.INTEGER, ctx -> ctx.sql("(select 1 from orders limit 1)"));
            assertIncomplete(DSL_PG.select(custom).from(ITEMS), set("public.items"), set());
        }

        @Test
        void viewHidesItsBaseTables() {
            assertIncomplete(DSL_PG.select(ActiveItems.ACTIVE_ITEMS.ID).from(ActiveItems.ACTIVE_ITEMS), set("public.active_items"), set());
        }

        @Test
        void ddlIsNotAnalysed() {
            assertIncomplete(DSL_PG.createTable(name("public", "t")).as(select(ITEMS_ID).from(ITEMS)), set("public.items"), set("public.t"));
            assertIncomplete(DSL_PG.dropTable(ITEMS), set("public.items"), set());
        }
    }

    @Test
    void renderMappingOfTheCallerDoesNotChangeTheNames() {
        // Sharding renders "public" as "shard_0007"; generations are kept per model table.
        org.jooq.conf.Settings settings = new org.jooq.conf.Settings().withRenderMapping(new org.jooq.conf.RenderMapping()
            .withSchemata(new org.jooq.conf.MappedSchema().withInput("public").withOutput("shard_0007")));
        org.jooq.Configuration configuration = new org.jooq.impl.DefaultConfiguration().set(SQLDialect.POSTGRES).set(settings);
        QueryTables result = QueryTables.of(configuration, DSL_PG.select(ITEMS_ID).from(ITEMS).where(ITEMS_ID.in(select(ORDERS_ITEM).from(ORDERS))));
        assertThat(result).isEqualTo(new QueryTables(set("public.items", "public.orders"), set(), Set.of()));
    }

    @Test
    void tableNameOfAGeneratedAndADslTable() {
        assertThat(TableName.of(ACCOUNTS)).isEqualTo(t("shop.accounts"));
        assertThat(TableName.of(ACCOUNTS.as("x"))).isEqualTo(t("x"));
        assertThat(TableName.of(ITEMS.as("y"))).isEqualTo(t("public.items"));
        assertThat(TableName.of(ITEMS)).isEqualTo(t("public.items"));
        assertThat(t("public.items")).hasToString("public.items");
    }

    @Test
    void resultSetsAreImmutable() {
        QueryTables r = QueryTables.of(DSL_PG.selectFrom(ITEMS));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> r.reads().add(t("x"))).isInstanceOf(UnsupportedOperationException.class);
    }
}
