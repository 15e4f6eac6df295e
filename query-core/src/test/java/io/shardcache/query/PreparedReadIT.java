package io.shardcache.query;

import static io.shardcache.query.AllTypes.ALL;
import static io.shardcache.query.AllTypes.C_BIGINT;
import static io.shardcache.query.AllTypes.C_BOOL;
import static io.shardcache.query.AllTypes.C_BYTEA;
import static io.shardcache.query.AllTypes.C_DATE;
import static io.shardcache.query.AllTypes.C_DOUBLE;
import static io.shardcache.query.AllTypes.C_INT;
import static io.shardcache.query.AllTypes.C_MOOD;
import static io.shardcache.query.AllTypes.C_NUMERIC;
import static io.shardcache.query.AllTypes.C_REAL;
import static io.shardcache.query.AllTypes.C_SMALLINT;
import static io.shardcache.query.AllTypes.C_TEXT;
import static io.shardcache.query.AllTypes.C_TIME;
import static io.shardcache.query.AllTypes.C_TS;
import static io.shardcache.query.AllTypes.C_TSTZ;
import static io.shardcache.query.AllTypes.C_UUID;
import static io.shardcache.query.AllTypes.C_VARCHAR;
import static io.shardcache.query.AllTypes.ID;
import static io.shardcache.query.AllTypes.T;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jooq.impl.DSL.param;

import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.math.BigDecimal;
import java.sql.CallableStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jooq.Binding;
import org.jooq.BindingGetResultSetContext;
import org.jooq.BindingGetSQLInputContext;
import org.jooq.BindingGetStatementContext;
import org.jooq.BindingRegisterContext;
import org.jooq.BindingSQLContext;
import org.jooq.BindingSetSQLOutputContext;
import org.jooq.BindingSetStatementContext;
import org.jooq.Converter;
import org.jooq.DSLContext;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Record1;
import org.jooq.Record2;
import org.jooq.ResultQuery;
import org.jooq.TableField;
import org.jooq.UniqueKey;
import org.jooq.exception.DataAccessException;
import org.jooq.exception.TooManyRowsException;
import org.jooq.impl.DSL;
import org.jooq.impl.Internal;
import org.jooq.impl.SQLDataType;
import org.jooq.impl.TableImpl;
import org.jooq.impl.UpdatableRecordImpl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link CachingDSL#prepare}: the same rows, record types and keys as the query run through jOOQ,
 * entries shared with {@code fromCache}, one execution per cold key, and a clear refusal of what it
 * cannot reproduce. Executions are counted by PostgreSQL (see {@link Db}).
 */
@ExtendWith(ServicesExtension.class)
class PreparedReadIT {

    /** The {@code items} table as jOOQ's code generator declares it, with its own record class. */
    public static final class ItemsTable extends TableImpl<ItemRecord> {
        static final ItemsTable ITEMS = new ItemsTable();
        final TableField<ItemRecord, Integer> ID = createField(DSL.name("id"), SQLDataType.INTEGER.nullable(false), this, "");
        final TableField<ItemRecord, String> NAME = createField(DSL.name("name"), SQLDataType.CLOB.nullable(false), this, "");
        final TableField<ItemRecord, BigDecimal> PRICE = createField(DSL.name("price"), SQLDataType.NUMERIC(10, 2), this, "");

        private ItemsTable() {
            super(DSL.name("items"));
        }

        @Override
        public Class<ItemRecord> getRecordType() {
            return ItemRecord.class;
        }

        @Override
        public UniqueKey<ItemRecord> getPrimaryKey() {
            return Internal.createUniqueKey(this, DSL.name("items_pkey"), ID);
        }
    }

    public static final class ItemRecord extends UpdatableRecordImpl<ItemRecord> {
        public ItemRecord() {
            super(ItemsTable.ITEMS);
        }

        public String getName() {
            return (String) get(1);
        }

        public void setName(String name) {
            set(1, name);
        }
    }

    private static final ItemsTable ITEMS = ItemsTable.ITEMS;

    private Db db;
    private io.shardcache.query.spi.CacheBackend backend;
    private CachingDSL cached;

    @BeforeEach
    void setUp(TestSchema schema) throws Exception {
        db = new Db(schema, 8);
        AllTypes.create(db);
        backend = TestBackends.create(schema.name(), java.time.InstantSource.system());
        cached = CachingDSL.wrap(db.dsl, Regions.builder().region("r").region("other").build(), backend);
    }

    @AfterEach
    void tearDown() {
        cached.close();
        backend.close();
        db.close();
    }

    /** A select-list field counting executions under {@code key}, with no bind value of its own. */
    private static Field<Integer> touch(String key) {
        return DSL.field("(select touch('" + key + "'))", Integer.class);
    }

    @Test
    void everyColumnTypeIsServedAsJooqReadsItOnTheMissAndOnTheHit() {
        CachedQuery<Record> byId = cached.prepare("r", db.dsl.select(ALL).from(T).where(ID.eq(param("id", Integer.class))));
        for (int id = 1; id <= 3; id++) {
            Object live = AllTypes.normalize(db.dsl.select(ALL).from(T).where(ID.eq(id)).fetchOne());
            assertThat(AllTypes.normalize(byId.fetchOne(id))).as("miss, id %d", id).isEqualTo(live);
            assertThat(AllTypes.normalize(byId.fetchOne(id))).as("hit, id %d", id).isEqualTo(live);
        }
        assertThat(cached.stats("r").misses()).isEqualTo(3);
        assertThat(cached.stats("r").hits()).isEqualTo(3);
        assertThat(byId.fetchOne(42)).as("no such row").isNull();
        assertThat(byId.fetchOptional(42)).isEmpty();
    }

    @Test
    void recordsAreTheQuerysOwnTypeUnchangedAndAttachedToTheUncachedDsl() {
        CachedQuery<ItemRecord> byId = cached.prepare("r", db.dsl.selectFrom(ITEMS).where(ITEMS.ID.eq(param("id", Integer.class))));
        ItemRecord live = db.dsl.selectFrom(ITEMS).where(ITEMS.ID.eq(7)).fetchOne();
        byId.fetchOne(7);
        ItemRecord hit = byId.fetchOne(7);
        assertThat(cached.stats("r").hits()).isEqualTo(1);
        assertThat(hit).isExactlyInstanceOf(ItemRecord.class).isEqualTo(live);
        assertThat(hit.changed()).as("a served record is unchanged, as a fetched one").isFalse();
        assertThat(hit.original()).isEqualTo(hit);
        assertThat(byId.fetchOne(7)).as("each call gets its own record").isNotSameAs(hit);

        // Attached to the wrapped DSL: store() writes through to the database.
        hit.setName("renamed");
        assertThat(hit.store()).isEqualTo(1);
        assertThat(db.dsl.select(ITEMS.NAME).from(ITEMS).where(ITEMS.ID.eq(7)).fetchOne(ITEMS.NAME)).isEqualTo("renamed");

        CachedQuery<Record2<Integer, String>> pair = cached.prepare("r",
            db.dsl.select(ITEMS.ID, ITEMS.NAME).from(ITEMS).where(ITEMS.ID.eq(param("id", Integer.class))));
        pair.fetchOne(8);
        Record2<Integer, String> r = pair.fetchOne(8);
        assertThat(r.value1()).isEqualTo(8);
        assertThat(r.value2()).isEqualTo("item 8");
        assertThat(r.getClass()).isEqualTo(db.dsl.select(ITEMS.ID, ITEMS.NAME).from(ITEMS).where(ITEMS.ID.eq(8)).fetchOne().getClass());
    }

    @Test
    void sharesEntriesWithTheSameQueryRunThroughFromCache() throws Exception {
        DSLContext fromCache = cached.fromCache("r");
        CachedQuery<Record2<Integer, Integer>> prepared = cached.prepare("r",
            db.dsl.select(ITEMS.ID, touch("shared")).from(ITEMS).where(ITEMS.ID.eq(param("id", 0))));

        fromCache.select(ITEMS.ID, touch("shared")).from(ITEMS).where(ITEMS.ID.eq(3)).fetchOne();
        assertThat(prepared.fetchOne(3).value1()).isEqualTo(3);
        prepared.fetchOne(4);
        assertThat(fromCache.select(ITEMS.ID, touch("shared")).from(ITEMS).where(ITEMS.ID.eq(4)).fetchOne().value1()).isEqualTo(4);
        assertThat(db.executions("shared")).as("one execution per id, whichever path came first").isEqualTo(2);

        ResultQuery<?> same = db.dsl.select(ITEMS.ID, touch("shared")).from(ITEMS).where(ITEMS.ID.eq(3));
        assertThat(prepared.keyOf(3)).isEqualTo(cached.keyOf("r", same));
        assertThat(prepared.keyOf(3).describe()).isEqualTo(cached.keyOf("r", same).describe());
        assertThat(prepared.keyOf(3).fingerprint()).isEqualTo(cached.keyOf("r", same).fingerprint());
        assertThat(prepared.keyOf(4)).isNotEqualTo(prepared.keyOf(3));

        assertThat(prepared.invalidate(3)).as("drops the entry fromCache filled").isTrue();
        fromCache.select(ITEMS.ID, touch("shared")).from(ITEMS).where(ITEMS.ID.eq(3)).fetchOne();
        assertThat(db.executions("shared")).isEqualTo(3);
    }

    @Test
    void valuesOfEverySupportedTypeKeyExactlyAsJooqBindsThem() {
        record Case(Field<?> field, Object value) {
        }
        List<Case> cases = List.of(new Case(C_SMALLINT, (short) 32000), new Case(C_INT, Integer.MIN_VALUE),
            new Case(C_BIGINT, Long.MAX_VALUE), new Case(C_NUMERIC, new BigDecimal("12345678.1234")),
            new Case(C_REAL, 3.25f), new Case(C_DOUBLE, -1.0e-300), new Case(C_TEXT, "héllo ☃ wörld"),
            new Case(C_VARCHAR, "varchar"), new Case(C_BOOL, true),
            new Case(C_UUID, UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")));
        for (Case c : cases) {
            @SuppressWarnings("unchecked")
            Field<Object> f = (Field<Object>) c.field();
            ResultQuery<Record> template = db.dsl.select(ALL).from(T).where(f.eq(param("v", f.getDataType())));
            CachedQuery<Record> q = cached.prepare("r", template);
            // The same query object bound to the value, as an application re-binding a kept query runs it.
            ResultQuery<Record> same = template.bind("v", c.value());
            assertThat(q.keyOf(c.value())).as(f.getName()).isEqualTo(cached.keyOf("r", same));
            Object live = AllTypes.normalize(same.fetch());
            assertThat(live).as("%s finds row 1", f.getName()).asList().hasSize(1);
            assertThat(AllTypes.normalize(q.fetch(c.value()))).as("%s, miss", f.getName()).isEqualTo(live);
            assertThat(AllTypes.normalize(q.fetch(c.value()))).as("%s, hit", f.getName()).isEqualTo(live);
        }
        assertThat(cached.stats("r").hits()).isEqualTo(cases.size());
    }

    @Test
    @SuppressWarnings("unchecked")
    void temporalParametersAreRefusedBecauseJooqRendersTheirCastFromTheValue() {
        // jOOQ renders "cast(? as time(6))" for 23:59:59.999999 and "cast(? as time)" for a parameter
        // without a value: SQL rendered once could truncate a later value, so prepare() refuses them.
        for (Field<?> f : List.of(C_DATE, C_TIME, C_TS, C_TSTZ))
            assertThatThrownBy(() -> cached.prepare("r", db.dsl.select(ID).from(T).where(((Field<Object>) f).eq(param("v", (DataType<Object>) f.getDataType())))))
                .as(f.getName()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("parameter 1 'v'")
                .hasMessageContaining("use fromCache(region)");
    }

    @Test
    void aValueOfAnotherClassIsConvertedAsJooqsBindWould() {
        CachedQuery<Record> q = cached.prepare("r", db.dsl.select(ALL).from(T).where(C_BIGINT.eq(param("v", Long.class))));
        assertThat(q.keyOf(-1)).isEqualTo(q.keyOf(-1L));
        assertThat(q.keyOf("-1")).isEqualTo(q.keyOf(-1L));
        assertThat(q.fetchOne(-1).get(ID)).isEqualTo(2);
    }

    @Test
    void sixtyFourCallersOfAColdKeyCauseOneExecution() throws Exception {
        CachedQuery<Record2<Integer, Integer>> q = cached.prepare("r",
            db.dsl.select(ITEMS.ID, DSL.field("(select touch_slow('cold', 0.2))", Integer.class))
                .from(ITEMS).where(ITEMS.ID.eq(param("id", 0))));
        int n = 64;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch ready = new CountDownLatch(n);
        CountDownLatch gate = new CountDownLatch(1);
        List<Future<Integer>> answers = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++)
            answers.add(pool.submit(() -> {
                ready.countDown();
                gate.await();
                return q.fetchSingle(5).value1();
            }));
        ready.await();
        gate.countDown();
        pool.shutdown();
        assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        for (Future<Integer> a : answers)
            assertThat(a.get()).isEqualTo(5);
        assertThat(db.executions("cold")).isEqualTo(1);
    }

    @Test
    void aLoaderFailureReachesTheCallerAndStoresNothing() throws Exception {
        CachedQuery<Record2<Integer, Integer>> q = cached.prepare("r",
            db.dsl.select(ITEMS.ID, DSL.field("(select touch_fail('failing'))", Integer.class))
                .from(ITEMS).where(ITEMS.ID.eq(param("id", 0))));
        assertThatThrownBy(() -> q.fetchOne(1)).isInstanceOf(DataAccessException.class).hasMessageContaining("loader failure for failing");
        assertThatThrownBy(() -> q.fetchOne(1)).isInstanceOf(DataAccessException.class);
        assertThat(cached.stats("r").stored()).isZero();
        assertThat(cached.stats("r").loadFailures()).isEqualTo(2);
    }

    @Test
    void insideATransactionTheCacheIsNeitherReadNorWritten() {
        CachedQuery<ItemRecord> outside = cached.prepare("r", db.dsl.selectFrom(ITEMS).where(ITEMS.ID.eq(param("id", 0))));
        assertThat(outside.fetchOne(9).getName()).isEqualTo("item 9");
        assertThatThrownBy(() -> db.dsl.transaction(trx -> {
            trx.dsl().update(ITEMS).set(ITEMS.NAME, "uncommitted").where(ITEMS.ID.eq(9)).execute();
            CachedQuery<ItemRecord> inside = cached.on(trx.dsl()).prepare("r", trx.dsl().selectFrom(ITEMS).where(ITEMS.ID.eq(param("id", 0))));
            assertThat(inside.fetchOne(9).getName()).as("the transaction sees its own write").isEqualTo("uncommitted");
            throw new IllegalStateException("roll back");
        })).hasMessageContaining("roll back");
        assertThat(outside.fetchOne(9).getName()).as("the cached row, never the uncommitted one").isEqualTo("item 9");
        assertThat(cached.stats("r").stored()).isEqualTo(1);
        assertThat(cached.stats("r").skippedTransaction()).isEqualTo(1);
    }

    @Test
    void aFieldWithAConverterIsConvertedFromTheCachedValue() {
        Field<Long> cents = DSL.field(DSL.name("price"), SQLDataType.NUMERIC(10, 2).asConvertedDataType(
            Converter.of(BigDecimal.class, Long.class, b -> b == null ? null : b.movePointRight(2).longValueExact(),
                l -> l == null ? null : BigDecimal.valueOf(l, 2))));
        CachedQuery<Record2<Integer, Long>> q = cached.prepare("r",
            db.dsl.select(ITEMS.ID, cents).from(ITEMS).where(ITEMS.ID.eq(param("id", 0))));
        q.fetchOne(10);
        assertThat(q.fetchOne(10).value2()).isEqualTo(1250L);
        assertThat(cached.stats("r").hits()).isEqualTo(1);
    }

    @Test
    void whatCannotBePreparedIsRefusedNamingIt() {
        assertThatThrownBy(() -> cached.prepare("nope", db.dsl.selectFrom(ITEMS)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope").hasMessageContaining("other");
        assertThatThrownBy(() -> cached.prepare("r", db.dsl.resultQuery("select nextval('no_such_seq')")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a cacheable read");
        assertThatThrownBy(() -> cached.prepare("r", db.dsl.select(ID).from(T).where(C_BYTEA.eq(param("b", byte[].class)))))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("parameter 1 'b' (byte[])");
        assertThatThrownBy(() -> cached.prepare("r", db.dsl.select(ID).from(T).where(C_MOOD.eq(param("m", C_MOOD.getDataType())))))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("parameter 1 'm' (Mood)");
        var twice = param("id", Integer.class);
        assertThatThrownBy(() -> cached.prepare("r", db.dsl.select(ID).from(T).where(ID.eq(twice).or(C_INT.eq(twice)))))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 bind values but 1 parameters");
        Field<String> custom = DSL.field(DSL.name("c_text"), SQLDataType.CLOB.asConvertedDataType(new UpperCaseBinding()));
        assertThatThrownBy(() -> cached.prepare("r", db.dsl.select(custom).from(T).where(ID.eq(param("id", 0)))))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("field c_text").hasMessageContaining("UpperCaseBinding");

        CachedQuery<Record> q = cached.prepare("r", db.dsl.select(ALL).from(T).where(ID.eq(param("id", Integer.class))));
        assertThatThrownBy(() -> q.fetchOne((Object) null))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("parameter 1 'id' (Integer) is null");
        assertThatThrownBy(() -> q.fetchOne(1, 2))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("takes 1 values").hasMessageContaining("got 2");
        assertThatThrownBy(() -> q.fetchOne("one"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot bind one");
        CachedQuery<Record> all = cached.prepare("r", db.dsl.select(ALL).from(T).where(ID.gt(param("id", Integer.class))));
        assertThatThrownBy(() -> all.fetchOne(0)).isInstanceOf(TooManyRowsException.class);
        assertThat(all.fetch(0)).hasSize(3);
    }

    @Test
    void convertersRunOnCachedValuesAsOnLiveRowsAndNullGetsAFreshValueEachTime() throws Exception {
        db.execute("update items set name = '  padded  ' where id = 5");
        Field<String> trimmed = DSL.field(DSL.name("items", "name"), SQLDataType.CLOB.asConvertedDataType(
            Converter.ofNullable(String.class, String.class, String::trim, s -> s)));
        CachedQuery<Record2<Integer, String>> q = cached.prepare("r",
            db.dsl.select(ITEMS.ID, trimmed).from(ITEMS).where(ITEMS.ID.eq(param("id", 0))));
        String live = db.dsl.select(ITEMS.ID, trimmed).from(ITEMS).where(ITEMS.ID.eq(5)).fetchOne(trimmed);
        assertThat(live).isEqualTo("padded");
        assertThat(q.fetchOne(5).value2()).as("miss").isEqualTo(live);
        assertThat(q.fetchOne(5).value2()).as("hit").isEqualTo(live);

        @SuppressWarnings({"unchecked", "rawtypes"})
        Field<List<String>> listed = DSL.field(DSL.name("c_text"), SQLDataType.CLOB.asConvertedDataType(
            (Converter<String, List<String>>) (Converter) Converter.of(String.class, List.class,
                t -> t == null ? new java.util.ArrayList<>() : new java.util.ArrayList<>(List.of(t)), l -> null)));
        CachedQuery<Record2<Integer, List<String>>> nulls = cached.prepare("r",
            db.dsl.select(ID, listed).from(T).where(ID.eq(param("id", 0))));
        nulls.fetchOne(3);
        List<String> first = nulls.fetchOne(3).value2();
        assertThat(first).isEmpty();
        first.add("leaked");
        assertThat(nulls.fetchOne(3).value2()).as("NULL converted for every row, never a shared object").isEmpty();
    }

    @Test
    void theQueryTimeoutIsKept() {
        CachedQuery<Record1<Integer>> slow = cached.prepare("r",
            db.dsl.select(DSL.field("(select 1 from pg_sleep(3))", Integer.class)).from(ITEMS).where(ITEMS.ID.eq(param("id", 0))).queryTimeout(1));
        assertThatThrownBy(() -> slow.fetchOne(1)).isInstanceOf(DataAccessException.class).hasMessageContaining("cancel");
    }

    @Test
    void limitAndOffsetTakeTheirValuesInTheOrderTheDialectBindsThem() {
        var query = DSL.select(ITEMS.ID).from(ITEMS).orderBy(ITEMS.ID).limit(param("n", 3)).offset(param("o", 11));
        CachedQuery<Record1<Integer>> page = cached.prepare("r", query);
        assertThat(page.parameters()).hasSize(2);
        assertThat(page.parameters().get(0)).contains("'o'");
        assertThat(page.fetch(11, 3).getValues(ITEMS.ID)).containsExactly(12, 13, 14);
        assertThat(page.fetch(20, 2).getValues(ITEMS.ID)).containsExactly(21, 22);
    }

    @Test
    void lossyConversionsOfValuesAreRefused() {
        CachedQuery<ItemRecord> byId = cached.prepare("r", db.dsl.selectFrom(ITEMS).where(ITEMS.ID.eq(param("id", 0))));
        assertThat(byId.fetchOne(5L).getName()).isEqualTo("item 5");
        assertThat(byId.fetchOne("5").getName()).isEqualTo("item 5");
        for (Object lossy : List.of(4294967297L, 2.9, true, new BigDecimal("5.5")))
            assertThatThrownBy(() -> byId.fetchOne(lossy)).as("%s", lossy)
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot bind " + lossy);
    }

    @Test
    void whatJooqWouldDoDifferentlyIsRefusedAtPrepare() {
        Field<String> lowered = DSL.field(DSL.name("c_text"), SQLDataType.CLOB);
        var lowerParam = param("v", SQLDataType.CLOB.asConvertedDataType(
            Converter.ofNullable(String.class, String.class, s -> s, s -> s.toLowerCase(java.util.Locale.ROOT))));
        assertThatThrownBy(() -> cached.prepare("r", db.dsl.select(ID).from(T).where(lowered.eq(lowerParam))))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("parameter 1 'v'").hasMessageContaining("converter");
        assertThatThrownBy(() -> cached.prepare("r", db.dsl.resultQuery("select id, name from items where id = ?", 3)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not know the fields");
        DSLContext listening = DSL.using(db.dsl.configuration().derive(new org.jooq.impl.DefaultRecordListenerProvider(
            new org.jooq.RecordListener() {
            })));
        assertThatThrownBy(() -> cached.on(listening).prepare("r", listening.selectFrom(ITEMS).where(ITEMS.ID.eq(param("id", 0)))))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RecordListeners");
        DSLContext trimming = DSL.using(db.dsl.configuration().derive(new org.jooq.conf.Settings().withFetchTrimmedCharValues(true)));
        assertThatThrownBy(() -> cached.on(trimming).prepare("r", trimming.selectFrom(ITEMS).where(ITEMS.ID.eq(param("id", 0)))))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fetchTrimmedCharValues");
    }

    @Test
    void aNullHostileConverterDoesNotBreakPreparation() {
        Field<Long> cents = DSL.field(DSL.name("items", "price"), SQLDataType.NUMERIC(10, 2).asConvertedDataType(
            Converter.of(BigDecimal.class, Long.class, b -> b.movePointRight(2).longValueExact(), l -> BigDecimal.valueOf(l, 2))));
        CachedQuery<Record2<Integer, Long>> q = cached.prepare("r", db.dsl.select(ITEMS.ID, cents).from(ITEMS).where(ITEMS.ID.eq(param("id", 0))));
        q.fetchOne(4);
        assertThat(q.fetchOne(4).value2()).isEqualTo(500L);
    }

    /** A binding of the application's own: its get() may do anything, so prepare() refuses it. */
    static final class UpperCaseBinding implements Binding<String, String> {
        @Override
        public Converter<String, String> converter() {
            return Converter.ofNullable(String.class, String.class, s -> s.toUpperCase(java.util.Locale.ROOT), s -> s);
        }

        @Override
        public void sql(BindingSQLContext<String> ctx) {
            ctx.render().visit(DSL.val(ctx.convert(converter()).value()));
        }

        @Override
        public void register(BindingRegisterContext<String> ctx) throws SQLException {
            ctx.statement().registerOutParameter(ctx.index(), Types.VARCHAR);
        }

        @Override
        public void set(BindingSetStatementContext<String> ctx) throws SQLException {
            ctx.statement().setString(ctx.index(), ctx.convert(converter()).value());
        }

        @Override
        public void set(BindingSetSQLOutputContext<String> ctx) throws SQLException {
            throw new SQLException("not needed");
        }

        @Override
        public void get(BindingGetResultSetContext<String> ctx) throws SQLException {
            ResultSet rs = ctx.resultSet();
            ctx.convert(converter()).value(rs.getString(ctx.index()));
        }

        @Override
        public void get(BindingGetStatementContext<String> ctx) throws SQLException {
            CallableStatement s = ctx.statement();
            ctx.convert(converter()).value(s.getString(ctx.index()));
        }

        @Override
        public void get(BindingGetSQLInputContext<String> ctx) throws SQLException {
            throw new SQLException("not needed");
        }
    }
}
