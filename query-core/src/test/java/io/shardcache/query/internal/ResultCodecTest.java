package io.shardcache.query.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Time;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.TimeZone;
import java.util.UUID;

import org.jooq.Converter;
import org.jooq.DSLContext;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.JSON;
import org.jooq.JSONB;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.SQLDialect;
import org.jooq.exception.SQLDialectNotSupportedException;
import org.jooq.impl.DSL;
import org.jooq.impl.DefaultDataType;
import org.jooq.impl.SQLDataType;
import org.jooq.tools.jdbc.MockConnection;
import org.jooq.tools.jdbc.MockResult;
import org.jooq.types.UByte;
import org.jooq.types.UInteger;
import org.jooq.types.ULong;
import org.jooq.types.UShort;
import org.jooq.types.YearToSecond;
import org.junit.jupiter.api.Test;

class ResultCodecTest {

    private static final DSLContext CTX = DSL.using(SQLDialect.POSTGRES);

    // --------------------------------------------------------------------------------------------
    // Round trips
    // --------------------------------------------------------------------------------------------

    @Test
    void everyScalarTypeRoundTripsWithValuesExtremesAndNulls() throws Exception {
        Result<Record> r = everyScalarType();
        assertThat(r).hasSize(4);
        assertRoundTrip(r);
    }

    @Test
    void typesAsJooqInfersThemFromPostgresMetadataRoundTrip() throws Exception {
        // What pgjdbc 42.7 reports on PostgreSQL 15 (type name, precision, scale), and what
        // DSL.using(POSTGRES).fetch(resultSet) then holds; the expectations were read off a live server.
        Object[][] columns = {
            {"int2", 5, 0, "smallint", "smallint", (short) 1},
            {"int4", 10, 0, "integer", "integer", 2},
            {"int8", 19, 0, "bigint", "bigint", 3L},
            {"oid", 10, 0, "bigint", "bigint", 4L},
            {"numeric", 0, 0, "numeric", "numeric", new BigDecimal("1.50")},
            {"numeric", 10, 4, "numeric", "numeric(10, 4)", new BigDecimal("12345.6700")},
            {"numeric", 10, 0, "bigint", "bigint", 5L},
            {"numeric", 2, 0, "tinyint", "tinyint", (byte) 7},
            {"float4", 8, 8, "real", "real", 1.5f},
            {"float8", 17, 17, "float", "float", 2.5d},
            {"text", Integer.MAX_VALUE, 0, "clob", "clob", "x"},
            {"varchar", Integer.MAX_VALUE, 0, "varchar", "varchar(2147483647)", "y"},
            {"varchar", 20, 0, "varchar", "varchar(20)", "z"},
            {"bpchar", 3, 0, "char", "char(3)", "ab "},
            {"name", Integer.MAX_VALUE, 0, "varchar", "varchar(2147483647)", "abc"},
            {"bool", 1, 0, "boolean", "boolean", true},
            {"date", 13, 0, "date", "date", java.sql.Date.valueOf("2020-01-02")},
            {"time", 15, 6, "time", "time(15)", Time.valueOf("10:11:12")},
            {"timestamp", 29, 6, "timestamp", "timestamp(29)", Timestamp.valueOf("2020-01-02 10:11:12.123456")},
            {"timestamptz", 35, 6, "timestamp with time zone", "timestamp(35) with time zone",
                OffsetDateTime.parse("2020-01-02T04:41:12.123456Z")},
            {"timetz", 21, 6, "time with time zone", "time(21) with time zone", OffsetTime.parse("10:11:12+02:00")},
            {"uuid", Integer.MAX_VALUE, 0, "uuid", "uuid", UUID.fromString("825a5256-6b9c-45d4-88c2-d25750002698")},
            {"bytea", Integer.MAX_VALUE, 0, "blob", "blob", new byte[] {1, 2}},
            {"json", Integer.MAX_VALUE, 0, "json", "json", JSON.valueOf("{\"a\":1}")},
            {"jsonb", Integer.MAX_VALUE, 0, "jsonb", "jsonb", JSONB.valueOf("{\"a\": 1}")},
            {"_int4", 10, 0, "integer array", "integer array", new Integer[] {1, null}},
            {"_int8", 19, 0, "bigint array", "bigint array", new Long[] {1L, 2L}},
            {"_text", Integer.MAX_VALUE, 0, "clob array", "clob array", new String[] {"a", null}},
            {"_numeric", 0, 0, "numeric array", "numeric array", new BigDecimal[] {new BigDecimal("1.5"), null}},
            {"_date", 13, 0, "date array", "date array", new java.sql.Date[] {java.sql.Date.valueOf("2020-01-01")}},
            {"_timestamptz", 35, 6, "timestamp with time zone array", "timestamp(6) with time zone array",
                new OffsetDateTime[] {OffsetDateTime.parse("2019-12-31T22:00Z")}},
            {"\"s\".\"mood\"", Integer.MAX_VALUE, 0, "other", "other", "happy"},   // an enum: OTHER holding String
            {"inet", Integer.MAX_VALUE, 0, "other", "other", null},               // PGobject values can't be cached
        };
        Field<?>[] fields = new Field<?>[columns.length];
        Object[] values = new Object[columns.length];
        for (int i = 0; i < columns.length; i++) {
            Object[] c = columns[i];
            DataType<?> type = inferredFromJdbc((String) c[0], (Integer) c[1], (Integer) c[2]);
            assertThat(type.getTypeName()).as("type name for %s", c[0]).isEqualTo(c[3]);
            assertThat(type.getCastTypeName()).as("cast type name for %s", c[0]).isEqualTo(c[4]);
            fields[i] = DSL.field(DSL.name("t", "c" + i), type);
            values[i] = c[5];
        }
        Result<Record> r = result(fields);
        row(r, values);
        row(r, new Object[fields.length]);
        assertRoundTrip(r);
    }

    @Test
    void arraysKeepTheirComponentClassAndNullElements() throws Exception {
        Result<Record> r = result(
            f("ints", SQLDataType.INTEGER.getArrayDataType()),
            f("texts", SQLDataType.VARCHAR.getArrayDataType()),
            f("longs", SQLDataType.BIGINT.getArrayDataType()),
            f("decimals", SQLDataType.NUMERIC(12, 3).getArrayDataType()),
            f("stamps", SQLDataType.TIMESTAMPWITHTIMEZONE.getArrayDataType()),
            f("dates", SQLDataType.LOCALDATE.getArrayDataType()),
            f("uuids", SQLDataType.UUID.getArrayDataType()),
            f("bools", SQLDataType.BOOLEAN.getArrayDataType()),
            f("blobs", SQLDataType.BLOB.getArrayDataType()),
            f("others", SQLDataType.OTHER.getArrayDataType()));
        row(r,
            new Integer[] {1, null, -3, Integer.MIN_VALUE},
            new String[] {"a", null, "", "ünï€😀"},
            new Long[] {null, Long.MAX_VALUE},
            new BigDecimal[] {new BigDecimal("1.500"), null},
            new OffsetDateTime[] {OffsetDateTime.parse("2024-02-29T23:59:59.999999+05:30"), null},
            new LocalDate[] {LocalDate.of(2024, 2, 29)},
            new UUID[] {new UUID(1, 2), null},
            new Boolean[] {true, false, null},
            new byte[][] {{1, 2}, null, {}},
            new Object[] {"x", 1, null, 2L, new byte[] {3}, LocalDate.of(1, 1, 1)});
        row(r, new Integer[0], new String[0], new Long[0], new BigDecimal[0], new OffsetDateTime[0], new LocalDate[0],
            new UUID[0], new Boolean[0], new byte[0][], new Object[0]);
        row(r, new Integer[] {null}, new String[9], new Long[8], new BigDecimal[17], null, null, null, null, null, null);
        row(r, new Object[10]);
        assertRoundTrip(r);
    }

    @Test
    void anObjectColumnTagsEachValue() throws Exception {
        Result<Record> r = result(f("o", SQLDataType.OTHER));
        for (Object v : new Object[] {"happy", 42, 42L, (short) 4, new BigDecimal("-0.000"), new byte[] {9},
                new Integer[] {1, null}, new String[] {"a"}, new Object[] {"b", 2}, JSONB.valueOf("[]"),
                Instant.ofEpochSecond(-1, 5), null, UInteger.valueOf(7), true})
            row(r, v);
        assertRoundTrip(r);
    }

    @Test
    void emptyResultsKeepTheirColumns() throws Exception {
        Result<Record> r = everyScalarType();
        r.clear();
        assertRoundTrip(r);
        assertRoundTrip(result());
    }

    @Test
    void rowsWithoutColumnsRoundTrip() throws Exception {
        Result<Record> r = result();
        for (int i = 0; i < 3; i++)
            row(r);
        assertThat(ResultCodec.decode(ResultCodec.encode(r))).hasSize(3);
    }

    @Test
    void aWideResultRoundTrips() throws Exception {
        Result<Record> template = everyScalarType();
        int width = 300;
        Field<?>[] fields = new Field<?>[width];
        for (int i = 0; i < width; i++)
            fields[i] = DSL.field(DSL.name("w" + i), template.field(i % template.fields().length).getDataType());
        Result<Record> r = result(fields);
        Random random = new Random(7);
        for (int row = 0; row < 64; row++) {
            Object[] values = new Object[width];
            for (int i = 0; i < width; i++)
                values[i] = random.nextInt(4) == 0 ? null : template.get(random.nextInt(3)).get(i % template.fields().length);
            row(r, values);
        }
        assertRoundTrip(r);
    }

    @Test
    void qualifiedAndDuplicateNamesKeepEveryColumnApart() throws Exception {
        Result<Record> r = result(
            DSL.field(DSL.name("t", "id"), SQLDataType.INTEGER),
            DSL.field(DSL.name("id"), SQLDataType.INTEGER),
            DSL.field(DSL.name("x"), SQLDataType.VARCHAR),
            DSL.field(DSL.name("x"), SQLDataType.VARCHAR),
            DSL.field(DSL.name("public", "t", "?column?"), SQLDataType.INTEGER),
            DSL.field(DSL.name(""), SQLDataType.INTEGER));
        row(r, 1, 2, "first", "second", 3, 4);
        Result<Record> decoded = assertRoundTrip(r);
        assertThat(decoded.get(0).intoArray()).containsExactly(1, 2, "first", "second", 3, 4);
        assertThat(decoded.field(0).getQualifiedName()).isEqualTo(DSL.name("t", "id"));
    }

    @Test
    void decodedRecordsAreUnchangedAndIndependentOfEachOtherDecode() throws Exception {
        byte[] bytes = ResultCodec.encode(everyScalarType());
        Result<Record> first = ResultCodec.decode(bytes);
        Result<Record> second = ResultCodec.decode(bytes);          // the header now comes from the cache
        for (Record rec : first) {
            assertThat(rec.changed()).isFalse();
            assertThat(rec.original()).isEqualTo(rec);
        }
        first.get(0).set(f("int", SQLDataType.INTEGER), 99);
        assertThat(second.get(0).get("int")).isEqualTo(Integer.MAX_VALUE);
        assertThat(second).isEqualTo(ResultCodec.decode(bytes));
    }

    @Test
    void aLocalDateColumnIsNotTurnedIntoJavaSqlDate() throws Exception {
        // The registry maps "date" to java.sql.Date; the value tag tells the decoder it was LocalDate.
        Result<Record> r = result(f("d", SQLDataType.LOCALDATE), f("ts", SQLDataType.LOCALDATETIME));
        row(r, LocalDate.of(2020, 1, 2), LocalDateTime.of(2020, 1, 2, 3, 4, 5, 6));
        Result<Record> decoded = assertRoundTrip(r);
        assertThat(decoded.field(0).getType()).isEqualTo(LocalDate.class);
        assertThat(decoded.field(0).getDataType().getTypeName()).isEqualTo("date");
    }

    @Test
    void aColumnOfAnUncachableTypeRoundTripsWhenAllItsValuesAreNull() throws Exception {
        Result<Record> r = result(f("i", SQLDataType.INTERVAL), f("n", SQLDataType.INTEGER));
        row(r, null, 1);
        Result<Record> decoded = assertRoundTrip(r);
        assertThat(decoded.field(0).getType()).isEqualTo(YearToSecond.class);
    }

    @Test
    void javaSqlDateTimesAreWallClockValuesAcrossTimeZones() throws Exception {
        TimeZone saved = TimeZone.getDefault();
        try {
            TimeZone.setDefault(TimeZone.getTimeZone("America/New_York"));
            Result<Record> r = result(f("d", SQLDataType.DATE), f("t", SQLDataType.TIME),
                f("ts", SQLDataType.TIMESTAMP));
            Time time = new Time(Time.valueOf("10:11:12").getTime() + 345);
            // 01:30 happens twice that night; the old java.util.Date API maps the wall-clock to one of them.
            Timestamp firstOneThirty = Timestamp.from(Instant.parse("2021-11-07T05:30:00.000000001Z"));
            Timestamp secondOneThirty = Timestamp.from(Instant.parse("2021-11-07T06:30:00.000000001Z"));
            Timestamp ambiguous = Timestamp.valueOf(firstOneThirty.toLocalDateTime()).equals(firstOneThirty)
                ? secondOneThirty : firstOneThirty;
            row(r, java.sql.Date.valueOf("2020-03-08"), time, Timestamp.valueOf("2020-03-08 03:30:00.123456789"));
            // Not wall-clock values: off local midnight, before the epoch day, the other 01:30.
            row(r, new java.sql.Date(123_456_789L), new Time(-1L), ambiguous);
            byte[] bytes = ResultCodec.encode(r);
            assertSameResult(r, ResultCodec.decode(bytes));

            TimeZone.setDefault(TimeZone.getTimeZone("Asia/Kolkata"));
            Result<Record> there = ResultCodec.decode(bytes);
            assertThat(((java.sql.Date) there.get(0).get(0)).toLocalDate()).isEqualTo(LocalDate.of(2020, 3, 8));
            assertThat(there.get(0).get(1).toString()).isEqualTo("10:11:12");
            assertThat(((Time) there.get(0).get(1)).getTime() % 1000).isEqualTo(345);
            assertThat(((Timestamp) there.get(0).get(2)).toLocalDateTime())
                .isEqualTo(LocalDateTime.parse("2020-03-08T03:30:00.123456789"));
            assertThat(there.get(1).get(0)).isEqualTo(new java.sql.Date(123_456_789L));
            assertThat(there.get(1).get(1)).isEqualTo(new Time(-1L));
            assertThat(there.get(1).get(2)).isEqualTo(ambiguous);
        } finally {
            TimeZone.setDefault(saved);
        }
    }

    @Test
    void theFormatIsPinned() throws Exception {
        // If this fails, the bytes changed: bump ResultCodec.VERSION (it is part of every cache key).
        Result<Record> r = result(DSL.field(DSL.name("t", "id"), SQLDataType.INTEGER),
            f("name", SQLDataType.VARCHAR(20)));
        row(r, 300, "ab");
        row(r, -1, null);
        assertThat(HexFormat.of().formatHex(ResultCodec.encode(r))).isEqualTo(
            "02" + "22" + "02"                                            // version, header length 34, 2 columns
            + "02" + "0174" + "026964" + "04" + "00" + "07696e7465676572"  // "t"."id": INT, no flags, "integer"
            + "01" + "046e616d65" + "0a" + "04" + "0776617263686172" + "28" // "name": STRING, length, "varchar", zz(20)
            + "02"                                                        // 2 rows
            + "00" + "d804" + "026162"                                    // no nulls, zz(300), "ab"
            + "02" + "01");                                               // column 1 null, zz(-1)
    }

    // --------------------------------------------------------------------------------------------
    // What cannot be cached
    // --------------------------------------------------------------------------------------------

    @Test
    void anIntervalValueIsUnsupportedAndNamesTheColumn() {
        Result<Record> r = result(f("id", SQLDataType.INTEGER),
            DSL.field(DSL.name("t", "span"), SQLDataType.INTERVAL));
        row(r, 1, null);
        row(r, 2, YearToSecond.valueOf(Duration.ofDays(1)));
        assertThatThrownBy(() -> ResultCodec.encode(r))
            .isInstanceOfSatisfying(UnsupportedValueException.class, e -> {
                assertThat(e.column()).isEqualTo("\"t\".\"span\"");
                assertThat(e.typeName()).isEqualTo("interval");
                assertThat(e.valueClass()).isEqualTo(YearToSecond.class);
            })
            .hasMessageContaining("\"t\".\"span\"").hasMessageContaining("interval").hasMessageContaining("YearToSecond");
    }

    @Test
    void driverObjectsRecordsAndNestedArraysInObjectColumnsAreUnsupported() {
        for (Object bad : new Object[] {new Object(), CTX.newRecord(f("x", SQLDataType.INTEGER)), YearToSecond.valueOf(Duration.ofDays(1)),
                new Integer[][] {{1}}, new Object[] {new Object[] {1}}, new int[] {1}, 'c'}) {
            Result<Record> r = result(f("o", SQLDataType.OTHER));
            row(r, bad);
            assertThatThrownBy(() -> ResultCodec.encode(r)).as("%s", bad.getClass())
                .isInstanceOfSatisfying(UnsupportedValueException.class, e -> {
                    assertThat(e.column()).isEqualTo("\"o\"");
                    assertThat(e.valueClass()).isEqualTo(bad.getClass());
                });
        }
    }

    @Test
    void aTwoDimensionalArrayInAOneDimensionalColumnIsUnsupported() {
        Result<Record> r = result(f("a", SQLDataType.INTEGER.getArrayDataType()));
        row(r, (Object) new Integer[][] {{1}});
        assertThatThrownBy(() -> ResultCodec.encode(r)).isInstanceOf(UnsupportedValueException.class)
            .hasMessageContaining("\"a\"");
    }

    @Test
    void aStringWithAnUnpairedSurrogateIsUnsupportedRatherThanCorrupted() {
        Result<Record> r = result(f("s", SQLDataType.VARCHAR));
        row(r, "ok\uD800");
        assertThatThrownBy(() -> ResultCodec.encode(r)).isInstanceOf(UnsupportedValueException.class)
            .hasMessageContaining("surrogate");
    }

    @Test
    void aTypeThatCannotBeRebuiltFromItsNameIsUnsupported() {
        Converter<String, StringBuilder> converter = Converter.ofNullable(String.class, StringBuilder.class,
            StringBuilder::new, StringBuilder::toString);
        Result<Record> r = result(f("c", SQLDataType.VARCHAR.asConvertedDataType(converter)));
        row(r, (Object) null);
        assertThatThrownBy(() -> ResultCodec.encode(r)).isInstanceOf(UnsupportedValueException.class)
            .hasMessageContaining("would decode as");
    }

    // --------------------------------------------------------------------------------------------
    // Malformed input
    // --------------------------------------------------------------------------------------------

    @Test
    void everyTruncationIsMalformed() throws Exception {
        byte[] bytes = ResultCodec.encode(sample());
        for (int len = 0; len < bytes.length; len++) {
            int n = len;
            assertThatThrownBy(() -> ResultCodec.decode(bytes, 0, n)).as("truncated to %d of %d", n, bytes.length)
                .isInstanceOf(MalformedEntryException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotStartWith("unexpected"));
        }
    }

    @Test
    void flippedBitsAreMalformedOrDecodeNeverAnotherException() throws Exception {
        byte[] bytes = ResultCodec.encode(sample());
        Random random = new Random(20240229);
        int malformed = 0;
        for (int i = 0; i < 5_000; i++) {
            byte[] copy = bytes.clone();
            for (int flips = 1 + random.nextInt(3); flips > 0; flips--)
                copy[random.nextInt(copy.length)] ^= (byte) (1 << random.nextInt(8));
            malformed += decodesOrIsMalformed(copy, "flip " + i);
        }
        assertThat(malformed).isGreaterThan(1_000);
    }

    @Test
    void garbageIsMalformed() throws Exception {
        Random random = new Random(11);
        for (int i = 0; i < 2_000; i++) {
            byte[] garbage = new byte[random.nextInt(64)];
            random.nextBytes(garbage);
            if (garbage.length > 0 && random.nextBoolean())
                garbage[0] = ResultCodec.VERSION;
            decodesOrIsMalformed(garbage, "garbage " + i);
        }
    }

    @Test
    void absurdCountsAndLengthsAreMalformedWithTheirOffset() {
        assertMalformed("03", "codec version 3", 0);
        assertMalformed("02ffffffff0f", "header length", 1);                       // -1 as a varint
        assertMalformed("0205ffffffff07", "column count", 2);
        assertMalformed("0201" + "00" + "7f", "row count", 3);                       // 127 rows of no bytes
        assertMalformed("02ffffffffff01", "varint", 1);
        assertMalformed("020100" + "00" + "00", "after the last row", 4);
        // One Object[] column holding an array said to have 2^31-1 elements.
        String header = "01" + "01" + "0161" + "7f" + "00" + "056f74686572";
        assertMalformed("02" + hexByte(header.length() / 2) + header + "01" + "00" + "ffffffff07", "array length", 16);
        // A string length running past the end.
        assertMalformed("02" + "06" + "01" + "01" + "10" + "616263", "string length", 4);
    }

    @Test
    void decodeReadsASliceAndReportsOffsetsWithinIt() throws Exception {
        byte[] bytes = ResultCodec.encode(sample());
        byte[] padded = new byte[bytes.length + 20];
        System.arraycopy(bytes, 0, padded, 7, bytes.length);
        assertSameResult(sample(), ResultCodec.decode(padded, 7, bytes.length));
        padded[7] = 9;
        assertThatThrownBy(() -> ResultCodec.decode(padded, 7, bytes.length))
            .isInstanceOfSatisfying(MalformedEntryException.class, e -> assertThat(e.offset()).isZero());
    }

    // --------------------------------------------------------------------------------------------
    // Served through jOOQ's MockResultSet, as the cache serves it
    // --------------------------------------------------------------------------------------------

    @Test
    void aTypedQueryOverTheDecodedResultReadsWhatItReadsOverTheOriginal() throws Exception {
        for (Result<Record> original : List.of(everyScalarTypeServable(), arrays(), sample())) {
            Result<Record> decoded = ResultCodec.decode(ResultCodec.encode(original));
            Result<Record> viaOriginal = served(original).select(original.fields()).fetch();
            Result<Record> viaDecoded = served(decoded).select(original.fields()).fetch();
            assertSameValues(viaOriginal, viaDecoded);
            assertThat(viaDecoded).isEqualTo(viaOriginal);
        }
    }

    @Test
    void aPlainSqlQueryOverTheDecodedResultInfersWhatItInfersOverTheOriginal() throws Exception {
        for (Result<Record> original : List.of(everyScalarTypeServable(), arrays(), sample())) {
            Result<Record> decoded = ResultCodec.decode(ResultCodec.encode(original));
            Result<Record> viaOriginal = served(original).fetch("select * from t");
            Result<Record> viaDecoded = served(decoded).fetch("select * from t");
            assertSameResult(viaOriginal, viaDecoded);
        }
    }

    // --------------------------------------------------------------------------------------------
    // Fixtures and assertions
    // --------------------------------------------------------------------------------------------

    private static Result<Record> everyScalarType() {
        Result<Record> r = result(
            f("bool", SQLDataType.BOOLEAN),
            f("byte", SQLDataType.TINYINT),
            f("short", SQLDataType.SMALLINT),
            f("int", SQLDataType.INTEGER),
            f("long", SQLDataType.BIGINT),
            f("float", SQLDataType.REAL),
            f("double", SQLDataType.DOUBLE),
            f("numeric", SQLDataType.NUMERIC(10, 4)),
            f("numeric_free", SQLDataType.NUMERIC),
            f("bigint_exact", SQLDataType.DECIMAL_INTEGER),
            f("varchar", SQLDataType.VARCHAR(40)),
            f("text", SQLDataType.CLOB),
            f("bytea", SQLDataType.BLOB),
            f("local_date", SQLDataType.LOCALDATE),
            f("local_time", SQLDataType.LOCALTIME(6)),
            f("local_date_time", SQLDataType.LOCALDATETIME(6)),
            f("offset_date_time", SQLDataType.TIMESTAMPWITHTIMEZONE(6)),
            f("offset_time", SQLDataType.TIMEWITHTIMEZONE),
            f("instant", SQLDataType.INSTANT),
            f("uuid", SQLDataType.UUID),
            f("json", SQLDataType.JSON),
            f("jsonb", SQLDataType.JSONB),
            f("sql_date", SQLDataType.DATE),
            f("sql_time", SQLDataType.TIME),
            f("sql_timestamp", SQLDataType.TIMESTAMP(6)),
            f("ubyte", SQLDataType.TINYINTUNSIGNED),
            f("ushort", SQLDataType.SMALLINTUNSIGNED),
            f("uint", SQLDataType.INTEGERUNSIGNED),
            f("ulong", SQLDataType.BIGINTUNSIGNED),
            f("other", SQLDataType.OTHER));
        row(r, true, (byte) 7, (short) -300, Integer.MAX_VALUE, Long.MIN_VALUE, 1.25f, Math.PI,
            new BigDecimal("12345.6700"), new BigDecimal("-0.000000000000000000000000000001"),
            new BigInteger("-123456789012345678901234567890"), "héllo wörld", "€😀 and some more text", new byte[] {0, -1, 127},
            LocalDate.of(2024, 2, 29), LocalTime.of(23, 59, 59, 999_999_999), LocalDateTime.of(1969, 12, 31, 23, 59, 59, 1),
            OffsetDateTime.of(2020, 1, 2, 10, 11, 12, 123_456_000, ZoneOffset.ofHoursMinutes(5, 30)),
            OffsetTime.of(10, 11, 12, 0, ZoneOffset.ofHours(-8)), Instant.parse("2020-01-02T03:04:05.678901234Z"),
            UUID.randomUUID(), JSON.valueOf("{\"a\": [1, 2]}"), JSONB.valueOf("{\"b\": null}"),
            java.sql.Date.valueOf("2020-01-02"), Time.valueOf("10:11:12"), Timestamp.valueOf("2020-01-02 10:11:12.123456789"),
            UByte.valueOf(255), UShort.valueOf(65535), UInteger.valueOf(4294967295L), ULong.valueOf("18446744073709551615"),
            "happy");
        row(r, new Object[r.fields().length]);
        row(r, false, Byte.MIN_VALUE, Short.MIN_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE, Float.NaN, -0.0d,
            new BigDecimal("1E+400"), new BigDecimal(new BigInteger("9".repeat(60)), -5), BigInteger.ZERO, "", "\u0000",
            new byte[0], LocalDate.MIN, LocalTime.MIDNIGHT, LocalDateTime.MAX, OffsetDateTime.MIN, OffsetTime.MAX, Instant.MIN,
            new UUID(-1, -1), JSON.valueOf(""), JSONB.valueOf("[]"), new java.sql.Date(-86_400_000L * 365 * 3000),
            new Time(1), new Timestamp(-1), UByte.valueOf(0), UShort.valueOf(0), UInteger.valueOf(0), ULong.valueOf(0), 1);
        row(r, true, Byte.MAX_VALUE, Short.MAX_VALUE, 0, 0L, Float.NEGATIVE_INFINITY, Double.MIN_VALUE,
            BigDecimal.ZERO.setScale(3), new BigDecimal(Long.MAX_VALUE).add(BigDecimal.ONE), new BigInteger("1".repeat(300)),
            "x".repeat(1000), "a\uD83D\uDE00b", new byte[300], LocalDate.MAX, LocalTime.NOON, LocalDateTime.MIN,
            OffsetDateTime.MAX, OffsetTime.MIN, Instant.MAX, new UUID(0, 0), JSON.valueOf("null"), JSONB.valueOf("1"),
            java.sql.Date.valueOf("1900-01-01"), Time.valueOf("00:00:00"), Timestamp.valueOf("1900-01-01 00:00:00"),
            UByte.valueOf(128), UShort.valueOf(32768), UInteger.valueOf(1L << 31), ULong.valueOf(Long.MIN_VALUE),
            new Long[] {1L, null});
        return r;
    }

    /**
     * The first two rows of {@link #everyScalarType()}: jOOQ's MockResultSet cannot itself read the extremes
     * of the others (it parses OffsetDateTime.MIN's text and fails), for the original as for the decoded.
     */
    private static Result<Record> everyScalarTypeServable() {
        Result<Record> r = everyScalarType();
        r.subList(2, r.size()).clear();
        return r;
    }

    private static Result<Record> arrays() {
        Result<Record> r = result(
            f("ints", SQLDataType.INTEGER.getArrayDataType()),
            f("texts", SQLDataType.CLOB.getArrayDataType()),
            f("decimals", SQLDataType.NUMERIC.getArrayDataType()),
            f("dates", SQLDataType.DATE.getArrayDataType()));
        row(r, new Integer[] {1, null, 3}, new String[] {"a", null}, new BigDecimal[] {new BigDecimal("1.10")},
            new java.sql.Date[] {java.sql.Date.valueOf("2020-01-01"), null});
        row(r, null, new String[0], null, null);
        return r;
    }

    /** A small result shaped like a typical cached read. */
    private static Result<Record> sample() {
        Result<Record> r = result(
            DSL.field(DSL.name("accounts", "id"), SQLDataType.BIGINT),
            DSL.field(DSL.name("accounts", "name"), SQLDataType.VARCHAR(100)),
            DSL.field(DSL.name("accounts", "balance"), SQLDataType.NUMERIC(12, 2)),
            DSL.field(DSL.name("accounts", "created"), SQLDataType.TIMESTAMPWITHTIMEZONE),
            DSL.field(DSL.name("accounts", "tags"), SQLDataType.VARCHAR.getArrayDataType()),
            DSL.field(DSL.name("accounts", "kind"), SQLDataType.OTHER));
        row(r, 1L, "alice", new BigDecimal("10.50"), OffsetDateTime.parse("2024-05-06T07:08:09.123+02:00"),
            new String[] {"a", null, "c"}, "gold");
        row(r, 2L, null, new BigDecimal("-3.00"), null, null, 7);
        return r;
    }

    /** The data type jOOQ's metadata inference (MetaDataFieldProvider) builds for a JDBC column. */
    private static DataType<?> inferredFromJdbc(String typeName, int precision, int scale) {
        DataType<?> type;
        try {
            type = DefaultDataType.getDataType(SQLDialect.POSTGRES, typeName, precision, scale, true);
        } catch (SQLDialectNotSupportedException e) {
            return SQLDataType.OTHER;
        }
        if (type.hasPrecision())
            type = type.precision(precision);
        if (type.hasScale())
            type = type.scale(scale);
        if (type.hasLength())
            type = type.length(precision);
        return type;
    }

    private static <T> Field<T> f(String name, DataType<T> type) {
        return DSL.field(DSL.name(name), type);
    }

    private static Result<Record> result(Field<?>... fields) {
        return CTX.newResult(fields);
    }

    @SuppressWarnings("unchecked")
    private static void row(Result<Record> r, Object... values) {
        Record rec = CTX.newRecord(r.fields());
        for (int i = 0; i < values.length; i++)
            rec.set((Field<Object>) r.field(i), values[i]);
        rec.changed(false);
        r.add(rec);
    }

    private static DSLContext served(Result<Record> result) {
        return DSL.using(new MockConnection(ctx -> new MockResult[] {new MockResult(result.size(), result)}), SQLDialect.POSTGRES);
    }

    private static Result<Record> assertRoundTrip(Result<Record> original) throws Exception {
        Result<Record> decoded = ResultCodec.decode(ResultCodec.encode(original));
        assertSameResult(original, decoded);
        return decoded;
    }

    private static void assertSameResult(Result<Record> expected, Result<Record> actual) {
        assertThat(actual.fields()).hasSameSizeAs(expected.fields());
        for (int i = 0; i < expected.fields().length; i++) {
            Field<?> e = expected.field(i), a = actual.field(i);
            DataType<?> et = e.getDataType(), at = a.getDataType();
            assertThat(a.getQualifiedName()).as("name of column %d", i).isEqualTo(e.getQualifiedName());
            assertThat(at).as("data type of %s", e).isEqualTo(et);
            assertThat(at.getTypeName()).as("type name of %s", e).isEqualTo(et.getTypeName());
            assertThat(at.getCastTypeName()).as("cast type name of %s", e).isEqualTo(et.getCastTypeName());
            assertThat(at.getType()).as("Java type of %s", e).isEqualTo(et.getType());
            assertThat(at.getSQLType()).as("JDBC type of %s", e).isEqualTo(et.getSQLType());
            assertThat(at.precisionDefined() ? at.precision() : -1).isEqualTo(et.precisionDefined() ? et.precision() : -1);
            assertThat(at.scaleDefined() ? at.scale() : -1).isEqualTo(et.scaleDefined() ? et.scale() : -1);
            assertThat(at.lengthDefined() ? at.length() : -1).isEqualTo(et.lengthDefined() ? et.length() : -1);
            if (et.isArray())
                assertThat(at.getArrayComponentDataType()).isEqualTo(et.getArrayComponentDataType());
        }
        assertSameValues(expected, actual);
        for (Record r : actual)
            assertThat(r.changed()).isFalse();
    }

    private static void assertSameValues(Result<Record> expected, Result<Record> actual) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int row = 0; row < expected.size(); row++)
            for (int i = 0; i < expected.fields().length; i++)
                assertSameValue(expected.get(row).get(i), actual.get(row).get(i), "row " + row + " column " + expected.field(i));
    }

    private static void assertSameValue(Object expected, Object actual, String where) {
        if (expected == null) {
            assertThat(actual).as(where).isNull();
            return;
        }
        assertThat(actual).as(where).isNotNull();
        assertThat(actual.getClass()).as(where).isSameAs(expected.getClass());
        if (expected instanceof Object[] e) {
            Object[] a = (Object[]) actual;
            assertThat(a).as(where).hasSameSizeAs(e);
            for (int i = 0; i < e.length; i++)
                assertSameValue(e[i], a[i], where + "[" + i + "]");
        } else if (expected instanceof byte[] e) {
            assertThat((byte[]) actual).as(where).isEqualTo(e);
        } else {
            assertThat(actual).as(where).isEqualTo(expected);
            if (expected instanceof JSONB e)
                assertThat(((JSONB) actual).data()).as(where).isEqualTo(e.data());
            if (expected instanceof BigDecimal e)
                assertThat(((BigDecimal) actual).scale()).as(where).isEqualTo(e.scale());
            if (expected instanceof Timestamp e)
                assertThat(((Timestamp) actual).getNanos()).as(where).isEqualTo(e.getNanos());
        }
    }

    /** 1 when malformed, 0 when it decoded; fails on any other outcome. */
    private static int decodesOrIsMalformed(byte[] bytes, String what) {
        try {
            ResultCodec.decode(bytes);
            return 0;
        } catch (MalformedEntryException e) {
            assertThat(e.getMessage()).as(what).doesNotStartWith("unexpected");
            return 1;
        } catch (Throwable t) {
            fail(what + ": " + HexFormat.of().formatHex(bytes) + " threw " + t, t);
            return -1;
        }
    }

    private static void assertMalformed(String hex, String problem, int offset) {
        assertThatThrownBy(() -> ResultCodec.decode(HexFormat.of().parseHex(hex))).as(hex)
            .isInstanceOfSatisfying(MalformedEntryException.class, e -> {
                assertThat(e.getMessage()).contains(problem);
                assertThat(e.offset()).isEqualTo(offset);
            });
    }

    private static String hexByte(int b) {
        return HexFormat.of().toHexDigits((byte) b);
    }
}
