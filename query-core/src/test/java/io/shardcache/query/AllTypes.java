package io.shardcache.query;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import java.math.BigDecimal;
import java.sql.SQLException;
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
import java.util.stream.Collectors;
import org.jooq.EnumType;
import org.jooq.Field;
import org.jooq.JSON;
import org.jooq.JSONB;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.Table;
import org.jooq.impl.SQLDataType;

/**
 * The {@code all_types} table: a column of every type the cache must round-trip (and two it passes through), three rows (one of
 * edge values, one all NULL), and a way to compare results value by value with their Java classes.
 */
final class AllTypes {

    private AllTypes() {
    }

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

    /** Every column a cached read stores; array columns pass through uncached (see {@link #ARRAYS}). */
    static final List<Field<?>> ALL = List.of(ID, C_SMALLINT, C_INT, C_BIGINT, C_NUMERIC, C_REAL, C_DOUBLE, C_TEXT,
        C_VARCHAR, C_CHAR, C_BOOL, C_DATE, C_TIME, C_TS, C_TSTZ, C_UUID, C_BYTEA, C_JSON, C_JSONB, C_MOOD);

    /** The array columns: the driver's arrays need a live connection, so reads of them run on the database. */
    static final List<Field<?>> ARRAYS = List.of(C_INT_ARR, C_TEXT_ARR);

    /** Creates the {@code mood} type and the {@code all_types} table with its three rows. */
    static void create(Db db) throws SQLException {
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
    }

    /** Values with their classes, arrays compared by content. */
    static Object normalize(Object o) {
        if (o instanceof Result<?> r)
            return r.stream().map(AllTypes::normalize).toList();
        if (o instanceof Record rec) {
            List<Object> cells = new ArrayList<>();
            for (int i = 0; i < rec.size(); i++)
                cells.add(normalize(rec.get(i)));
            return cells;
        }
        if (o instanceof Map<?, ?> m)
            return m.entrySet().stream().collect(Collectors.toMap(e -> normalize(e.getKey()), e -> normalize(e.getValue())));
        if (o instanceof List<?> l)
            return l.stream().map(AllTypes::normalize).toList();
        if (o instanceof Optional<?> opt)
            return opt.map(AllTypes::normalize).map(v -> List.of("Optional", v)).orElse(List.of("empty"));
        if (o instanceof Object[] a)
            return List.of(a.getClass().getSimpleName(), Arrays.stream(a).map(AllTypes::normalize).toList());
        if (o instanceof byte[] b)
            return List.of("byte[]", Arrays.toString(b));
        if (o == null)
            return "NULL";
        return List.of(o.getClass().getName(), o);
    }
}
