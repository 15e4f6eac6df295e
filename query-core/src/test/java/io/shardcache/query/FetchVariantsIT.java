package io.shardcache.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jooq.Cursor;
import org.jooq.DSLContext;
import org.jooq.EnumType;
import org.jooq.Field;
import org.jooq.JSON;
import org.jooq.JSONB;
import org.jooq.Record;
import org.jooq.Record2;
import org.jooq.Result;
import org.jooq.Table;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every jOOQ fetch variant and every column type of the test schema returns the same values, of the
 * same Java classes, from the cache (on the miss that fills it and on the hit after) as uncached.
 */
@ExtendWith(ServicesExtension.class)
class FetchVariantsIT {

    public enum Mood implements EnumType {
        sad, ok, happy;

        @Override
        public String getLiteral() {
            return name();
        }

        @Override
        public String getName() {
            return "mood";
        }
    }

    static final Table<Record> T = table(name("all_types"));
    static final Field<Integer> ID = field(name("id"), SQLDataType.INTEGER);
    static final Field<Short> C_SMALLINT = field(name("c_smallint"), SQLDataType.SMALLINT);
    static final Field<Integer> C_INT = field(name("c_int"), SQLDataType.INTEGER);
    static final Field<Long> C_BIGINT = field(name("c_bigint"), SQLDataType.BIGINT);
    static final Field<BigDecimal> C_NUMERIC = field(name("c_numeric"), SQLDataType.NUMERIC(12, 4));
    static final Field<Float> C_REAL = field(name("c_real"), SQLDataType.REAL);
    static final Field<Double> C_DOUBLE = field(name("c_double"), SQLDataType.DOUBLE);
    static final Field<String> C_TEXT = field(name("c_text"), SQLDataType.CLOB);
    static final Field<String> C_VARCHAR = field(name("c_varchar"), SQLDataType.VARCHAR(20));
    static final Field<String> C_CHAR = field(name("c_char"), SQLDataType.CHAR(5));
    static final Field<Boolean> C_BOOL = field(name("c_bool"), SQLDataType.BOOLEAN);
    static final Field<LocalDate> C_DATE = field(name("c_date"), SQLDataType.LOCALDATE);
    static final Field<LocalTime> C_TIME = field(name("c_time"), SQLDataType.LOCALTIME);
    static final Field<LocalDateTime> C_TS = field(name("c_ts"), SQLDataType.LOCALDATETIME);
    static final Field<OffsetDateTime> C_TSTZ = field(name("c_tstz"), SQLDataType.OFFSETDATETIME);
    static final Field<UUID> C_UUID = field(name("c_uuid"), SQLDataType.UUID);
    static final Field<byte[]> C_BYTEA = field(name("c_bytea"), SQLDataType.BLOB);
    static final Field<JSON> C_JSON = field(name("c_json"), SQLDataType.JSON);
    static final Field<JSONB> C_JSONB = field(name("c_jsonb"), SQLDataType.JSONB);
    static final Field<Integer[]> C_INT_ARR = field(name("c_int_arr"), SQLDataType.INTEGER.array());
    static final Field<String[]> C_TEXT_ARR = field(name("c_text_arr"), SQLDataType.CLOB.array());
    static final Field<Mood> C_MOOD = field(name("c_mood"), SQLDataType.VARCHAR.asEnumDataType(Mood.class));

    static final List<Field<?>> ALL = List.of(ID, C_SMALLINT, C_INT, C_BIGINT, C_NUMERIC, C_REAL, C_DOUBLE, C_TEXT,
        C_VARCHAR, C_CHAR, C_BOOL, C_DATE, C_TIME, C_TS, C_TSTZ, C_UUID, C_BYTEA, C_JSON, C_JSONB, C_INT_ARR,
        C_TEXT_ARR, C_MOOD);

    private Db db;
    private CachingDSL cached;
    private DSLContext live;
    private DSLContext fromCache;

    @BeforeEach
    void setUp(TestSchema schema) throws Exception {
        db = new Db(schema, 4);
        db.execute("""
            create type mood as enum ('sad', 'ok', 'happy');
            create table all_types (
              id int primary key, c_smallint smallint, c_int int, c_bigint bigint, c_numeric numeric(12,4),
              c_real real, c_double double precision, c_text text, c_varchar varchar(20), c_char char(5),
              c_bool boolean, c_date date, c_time time, c_ts timestamp, c_tstz timestamptz, c_uuid uuid,
              c_bytea bytea, c_json json, c_jsonb jsonb, c_int_arr int[], c_text_arr text[], c_mood mood);
            insert into all_types values
              (1, 32000, -2147483648, 9223372036854775807, 12345678.1234, 3.25, -1.0e-300, 'héllo ☃ wörld',
               'varchar', 'ab', true, '2024-02-29', '23:59:59.999999', '1999-12-31 23:59:59.123456',
               '2024-06-01 12:34:56.789+05:30', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\xdeadbeef00ff',
               '{"a": [1, 2, {"b": null}], "c": "d"}', '{"z": 1, "a": [true, false]}', '{1,NULL,3}',
               '{"x","",NULL,"with,comma","quote\\"d"}', 'happy'),
              (2, -1, 0, -1, -0.0001, 'NaN', 'Infinity', '', '', '', false, '0001-01-01', '00:00',
               '2262-04-11 23:47:16.854775', '1970-01-01 00:00:00+00', '00000000-0000-0000-0000-000000000000', '',
               '[]', '{}', '{}', '{}', 'sad'),
              (3, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
               null, null, null, null, null);
            """);
        cached = CachingDSL.wrap(db.dsl, Regions.builder().region("r").build());
        live = db.dsl;
        fromCache = cached.fromCache("r");
    }

    @AfterEach
    void tearDown() {
        cached.close();
        db.close();
    }

    /** The cached answer equals the live one on the miss that fills the entry and on the hit after it. */
    private <T> void sameAsLive(Function<DSLContext, T> query) {
        long storedBefore = cached.stats("r").stored();
        long hitsBefore = cached.stats("r").hits();
        T expected = query.apply(live);
        T miss = query.apply(fromCache);
        T hit = query.apply(fromCache);
        assertSame(expected, miss);
        assertSame(expected, hit);
        assertThat(cached.stats("r").stored()).as("the first cached call stored an entry").isEqualTo(storedBefore + 1);
        assertThat(cached.stats("r").hits()).as("the second cached call was a hit").isEqualTo(hitsBefore + 1);
    }

    private static void assertSame(Object expected, Object actual) {
        assertThat(normalize(actual)).isEqualTo(normalize(expected));
    }

    /** Values with their classes, arrays compared by content. */
    private static Object normalize(Object o) {
        if (o instanceof Result<?> r)
            return r.stream().map(FetchVariantsIT::normalize).toList();
        if (o instanceof Record rec) {
            List<Object> cells = new ArrayList<>();
            for (int i = 0; i < rec.size(); i++)
                cells.add(normalize(rec.get(i)));
            return cells;
        }
        if (o instanceof Map<?, ?> m)
            return m.entrySet().stream().collect(Collectors.toMap(e -> normalize(e.getKey()), e -> normalize(e.getValue())));
        if (o instanceof List<?> l)
            return l.stream().map(FetchVariantsIT::normalize).toList();
        if (o instanceof Optional<?> opt)
            return opt.map(FetchVariantsIT::normalize).map(v -> List.of("Optional", v)).orElse(List.of("empty"));
        if (o instanceof Object[] a)
            return List.of(a.getClass().getSimpleName(), Arrays.stream(a).map(FetchVariantsIT::normalize).toList());
        if (o instanceof byte[] b)
            return List.of("byte[]", Arrays.toString(b));
        if (o == null)
            return "NULL";
        return List.of(o.getClass().getName(), o);
    }

    @Test
    void fetchOfEveryTypeIncludingNulls() {
        sameAsLive(d -> d.select(ALL).from(T).orderBy(ID).fetch());
    }

    @Test
    void eachColumnTypeAlone() {
        for (Field<?> f : ALL)
            sameAsLive(d -> d.select(f).from(T).orderBy(ID).fetch());
    }

    @Test
    void plainSqlInfersTheSameTypes() {
        // Every column but the enum: with a registered EnumType a live plain-SQL read returns the Java
        // enum, a cached one its label (ResultReader explains why); typed reads agree, see the tests above.
        sameAsLive(d -> d.fetch("select id, c_smallint, c_int, c_bigint, c_numeric, c_real, c_double, c_text, c_varchar, "
            + "c_char, c_bool, c_date, c_time, c_ts, c_tstz, c_uuid, c_bytea, c_json, c_jsonb, c_int_arr, c_text_arr "
            + "from all_types order by id"));
        assertThat(fromCache.fetch("select c_mood from all_types where id = 1").getValue(0, 0)).isEqualTo("happy");
        sameAsLive(d -> d.resultQuery("select c_int, c_text from all_types where id = ?", 1).fetch());
    }

    @Test
    void fetchOneSingleOptionalAndValue() {
        sameAsLive(d -> d.select(ALL).from(T).where(ID.eq(1)).fetchOne());
        sameAsLive(d -> d.select(ALL).from(T).where(ID.eq(2)).fetchSingle());
        sameAsLive(d -> d.select(ALL).from(T).where(ID.eq(3)).fetchOptional());
        sameAsLive(d -> d.fetchValue(d.select(C_TEXT).from(T).where(ID.eq(1))));
        sameAsLive(d -> d.fetchValue("select c_bigint - 1 from all_types where id = ?", 1));
        sameAsLive(d -> d.fetchValue(d.select(C_TSTZ).from(T).where(ID.eq(1))));
        sameAsLive(d -> d.select(ALL).from(T).where(ID.eq(42)).fetchOptional());
    }

    @Test
    void fetchIntoClassesRecordsAndTypedRecords() {
        record Row(Integer id, String cText, BigDecimal cNumeric, OffsetDateTime cTstz, Integer[] cIntArr, Mood cMood) {
        }
        sameAsLive(d -> d.select(ID, C_TEXT, C_NUMERIC, C_TSTZ, C_INT_ARR, C_MOOD).from(T).orderBy(ID).fetchInto(Row.class)
            .stream().map(r -> Arrays.asList(r.id(), r.cText(), r.cNumeric(), r.cTstz(), r.cIntArr(), r.cMood())).toList());
        sameAsLive(d -> d.select(ID, C_TEXT).from(T).orderBy(ID).fetch().into(d.newRecord(ID, C_TEXT).getClass())
            .stream().map(Record::intoList).toList());
        sameAsLive(d -> {
            Result<Record2<Integer, Mood>> r = d.select(ID, C_MOOD).from(T).orderBy(ID).fetch();
            return r.stream().map(x -> Arrays.asList(x.value1(), x.value2(), x.component2())).toList();
        });
        sameAsLive(d -> d.select(ALL).from(T).orderBy(ID).fetch().intoMaps());
    }

    @Test
    void fetchMapGroupsStreamAndLazy() {
        sameAsLive(d -> d.select(ID, C_TEXT).from(T).fetchMap(ID, C_TEXT));
        sameAsLive(d -> d.select(C_BOOL, ID).from(T).orderBy(ID).fetchGroups(C_BOOL, ID));
        sameAsLive(d -> {
            try (var s = d.select(ID, C_JSONB).from(T).orderBy(ID).fetchStream()) {
                return s.map(r -> Arrays.asList(r.value1(), r.value2())).toList();
            }
        });
        sameAsLive(d -> {
            List<Object> rows = new ArrayList<>();
            try (Cursor<Record2<Integer, byte[]>> c = d.select(ID, C_BYTEA).from(T).orderBy(ID).fetchLazy()) {
                for (Record2<Integer, byte[]> r : c)
                    rows.add(Arrays.asList(r.value1(), r.value2()));
            }
            return rows;
        });
        sameAsLive(d -> d.select(ALL).from(T).orderBy(ID).limit(2).offset(1).fetch());
    }

    @Test
    void aKeptQueryRebindsOnEveryExecution() {
        try (var kept = fromCache.select(ID, C_TEXT).from(T).where(ID.eq(org.jooq.impl.DSL.param("id", 1))).keepStatement(true)) {
            for (int round = 0; round < 2; round++)
                for (int id = 1; id <= 3; id++)
                    assertSame(live.select(ID, C_TEXT).from(T).where(ID.eq(id)).fetchOne(), kept.bind("id", id).fetchOne());
        }
        assertThat(cached.stats("r").misses()).as("one miss per id").isEqualTo(3);
        assertThat(cached.stats("r").hits()).as("the second round is served from cache").isEqualTo(3);
    }

    @Test
    void bindValuesOfEveryTypeKeyDistinctEntries() {
        sameAsLive(d -> d.select(ID).from(T).where(C_UUID.eq(UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"))).fetch());
        sameAsLive(d -> d.select(ID).from(T).where(C_TSTZ.eq(OffsetDateTime.parse("2024-06-01T12:34:56.789+05:30"))).fetch());
        sameAsLive(d -> d.select(ID).from(T).where(C_NUMERIC.eq(new BigDecimal("-0.0001"))).fetch());
        sameAsLive(d -> d.select(ID).from(T).where(C_MOOD.eq(Mood.happy)).fetch());
        sameAsLive(d -> d.select(ID).from(T).where(C_INT_ARR.eq(new Integer[] {1, null, 3})).fetch());
        sameAsLive(d -> d.select(ID).from(T).where(C_TEXT.isNull()).fetch());
        sameAsLive(d -> d.select(ID).from(T).where(C_DATE.eq(LocalDate.of(2024, 2, 29))).fetch());
        // The same SQL with another bind value must be another entry.
        assertThat(fromCache.select(ID).from(T).where(C_BOOL.eq(true)).fetchOne(ID)).isEqualTo(1);
        assertThat(fromCache.select(ID).from(T).where(C_BOOL.eq(false)).fetchOne(ID)).isEqualTo(2);
    }
}
