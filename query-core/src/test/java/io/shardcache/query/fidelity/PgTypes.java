package io.shardcache.query.fidelity;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;
import org.jooq.DataType;
import org.jooq.EnumType;
import org.jooq.impl.SQLDataType;

/**
 * The PostgreSQL types a cached read must answer exactly as a live one: for each, hand-picked edge
 * values (as SQL literals), a seeded generator of more, and the jOOQ data types a typed query may read
 * the column as.
 */
public final class PgTypes {

    private PgTypes() {
    }

    /** The Java enum a user would register for the {@code fid_mood} PostgreSQL enum. */
    public enum Mood implements EnumType {
        sad, ok, happy;

        @Override
        public String getLiteral() {
            return name();
        }

        @Override
        public String getName() {
            return "fid_mood";
        }
    }

    /** Types the test creates first, in the test's schema. */
    public static final String SETUP = """
        create type fid_mood as enum ('sad', 'ok', 'happy');
        create domain fid_posint as int check (value > 0);
        create type fid_pair as (a int, b text);
        """;

    /**
     * One column type under test.
     *
     * @param sqlType   the column's type as written in {@code create table}
     * @param edges     SQL literals of values that tend to break codecs
     * @param generated more literals, generated
     * @param typed     data types a typed jOOQ field may read the column as (empty: plain SQL only)
     */
    public record Case(String sqlType, List<String> edges, Gen<String> generated, List<DataType<?>> typed) {
        public List<String> values(RandomGenerator random, int count) {
            List<String> all = new ArrayList<>(edges);
            for (int i = 0; i < count; i++)
                all.add(generated.next(random));
            return all;
        }

        @Override
        public String toString() {
            return sqlType;
        }
    }

    private static Case c(String sqlType, List<String> edges, Gen<String> generated, DataType<?>... typed) {
        return new Case(sqlType, edges, generated, List.of(typed));
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    /** A date literal of PostgreSQL's range (4713 BC to 5874897 AD) written as PostgreSQL reads it. */
    static String dateLiteral(long epochDay) {
        LocalDate d = LocalDate.ofEpochDay(epochDay);
        // ISO year 0 is 1 BC, -1 is 2 BC
        int year = d.getYear() > 0 ? d.getYear() : 1 - d.getYear();
        return String.format(Locale.ROOT, "%04d-%02d-%02d%s", year, d.getMonthValue(), d.getDayOfMonth(), d.getYear() > 0 ? "" : " BC");
    }

    private static final long MIN_DAY = LocalDate.of(-4712, 1, 1).toEpochDay();
    private static final long MAX_TS_DAY = LocalDate.of(294276, 12, 31).toEpochDay();

    static Gen<Long> epochDays() {
        return Gen.oneOf(
            Gen.longs(LocalDate.of(1900, 1, 1).toEpochDay(), LocalDate.of(2100, 1, 1).toEpochDay()),
            Gen.longs(MIN_DAY, MAX_TS_DAY));
    }

    static Gen<LocalTime> times() {
        return Gen.longs(0, 86_400_000_000L - 1).map(us -> LocalTime.ofNanoOfDay(us * 1000));
    }

    static Gen<String> timestamps(boolean withZone) {
        Gen<Integer> offsets = Gen.ints(-15 * 60, 15 * 60).map(m -> m * 60);
        Gen<Long> days = epochDays();
        Gen<LocalTime> clock = times();
        return r -> {
            long day = days.next(r);
            LocalTime time = clock.next(r);
            int offset = offsets.next(r);
            String date = dateLiteral(day);
            String t = time.toString();
            String bc = date.endsWith(" BC") ? " BC" : "";
            String base = date.replace(" BC", "") + " " + t;
            return quote(base + (withZone ? ZoneOffset.ofTotalSeconds(offset).getId().replace("Z", "+00:00") : "") + bc);
        };
    }

    static Gen<String> intervals() {
        Gen<Integer> small = Gen.ints(-1000, 1000);
        Gen<Long> micros = Gen.longs(-200_000_000_000L, 200_000_000_000L);
        return r -> quote(small.next(r) + " years " + small.next(r) + " mons " + small.next(r) + " days "
            + BigDecimal.valueOf(micros.next(r), 6).toPlainString() + " seconds");
    }

    static Gen<String> texts() {
        return Gen.oneOf(Gen.strings(1, 0x7F, 40), Gen.strings(1, 0x10FFFF, 20)).map(PgTypes::quote);
    }

    static <T> Gen<String> arrays(Gen<String> elements, int dims) {
        Gen<String> element = Gen.oneOf(elements, Gen.just("NULL"));
        if (dims == 1)
            return element.list(0, 6).map(l -> "'{" + String.join(",", l) + "}'");
        // a rectangular 2-d array
        return r -> {
            int cols = r.nextInt(1, 4);
            List<String> rows = new ArrayList<>();
            for (int i = r.nextInt(1, 4); i > 0; i--)
                rows.add("{" + String.join(",", element.list(cols, cols).next(r)) + "}");
            return "'{" + String.join(",", rows) + "}'";
        };
    }

    private static String arrayElement(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static final HexFormat HEX = HexFormat.of();
    private static final String ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    /** Every case, in a fixed order. */
    public static final List<Case> ALL = all();

    private static List<Case> all() {
        Gen<String> ints = Gen.ints(Integer.MIN_VALUE, Integer.MAX_VALUE).map(String::valueOf);
        Gen<String> decimals = r -> new BigDecimal(new BigInteger(r.nextInt(1, 134), new java.util.Random(r.nextLong()))
            .multiply(BigInteger.valueOf(r.nextBoolean() ? 1 : -1)), r.nextInt(0, 31)).toPlainString();
        Gen<String> doubles = Gen.<Double>oneOf(r -> Double.longBitsToDouble(r.nextLong()), r -> r.nextDouble(-1e6, 1e6))
            .filter(d -> !Double.isNaN(d)).map(d -> quote(Double.toString(d)));
        Gen<String> floats = Gen.<Float>oneOf(r -> Float.intBitsToFloat(r.nextInt()), r -> r.nextFloat(-1e6f, 1e6f))
            .filter(f -> !Float.isNaN(f)).map(f -> quote(Float.toString(f)));
        Gen<String> dates = epochDays().map(d -> quote(dateLiteral(d)));
        Gen<String> bytes = r -> {
            byte[] b = new byte[r.nextInt(65)];
            r.nextBytes(b);
            return quote("\\x" + HEX.formatHex(b));
        };
        return List.of(
            c("smallint", List.of("-32768", "32767", "0"), Gen.ints(Short.MIN_VALUE, Short.MAX_VALUE).map(String::valueOf), SQLDataType.SMALLINT, SQLDataType.INTEGER),
            c("integer", List.of("-2147483648", "2147483647"), ints, SQLDataType.INTEGER, SQLDataType.BIGINT),
            c("bigint", List.of("-9223372036854775808", "9223372036854775807"), Gen.longs(Long.MIN_VALUE, Long.MAX_VALUE).map(String::valueOf),
                SQLDataType.BIGINT, SQLDataType.DECIMAL_INTEGER),
            c("numeric", List.of("'NaN'", "'Infinity'", "'-Infinity'", "0", "-0.0001", "1e-20", "123456789012345678901234567890.123456789",
                "0.10"), decimals, SQLDataType.NUMERIC, SQLDataType.DOUBLE),
            c("numeric(12,4)", List.of("1.5", "-99999999.9999"), decimals.filter(s -> new BigDecimal(s).abs().compareTo(new BigDecimal("99999999")) < 0),
                SQLDataType.NUMERIC(12, 4)),
            c("real", List.of("'NaN'", "'Infinity'", "'-Infinity'", "'-0'", "'1.17549435e-38'", "'3.4028235e38'", "0.1"), floats,
                SQLDataType.REAL, SQLDataType.DOUBLE),
            c("double precision", List.of("'NaN'", "'Infinity'", "'-Infinity'", "'-0'", "'4.9e-324'", "'1e-300'", "0.1", "'1e20'"), doubles,
                SQLDataType.DOUBLE, SQLDataType.NUMERIC),
            c("money", List.of("'$1,234.56'", "'-0.01'", "'92233720368547758.07'"), Gen.longs(-1_000_000_00L, 1_000_000_00L)
                .map(cents -> quote(BigDecimal.valueOf(cents, 2).toPlainString())), SQLDataType.VARCHAR),
            c("text", List.of("''", "'héllo ☃ wörld'", "E'tab\\there\\nnewline'", "'NULL'", "' trailing  '"), texts(), SQLDataType.CLOB),
            c("varchar(10)", List.of("''", "'ab'", "'0123456789'"), texts().filter(s -> s.length() <= 12 && !s.contains("''")), SQLDataType.VARCHAR(10)),
            c("char(5)", List.of("''", "'ab'", "'abcde'"), Gen.strings(ALPHA, 5).map(PgTypes::quote), SQLDataType.CHAR(5)),
            c("\"char\"", List.of("'a'", "''"), Gen.strings(ALPHA, 1).filter(x -> !x.isEmpty()).map(PgTypes::quote), SQLDataType.CHAR),
            c("name", List.of("'pg_class'", "''"), Gen.strings(ALPHA, 20).map(PgTypes::quote), SQLDataType.VARCHAR),
            c("bytea", List.of("'\\x'", "'\\xdeadbeef00ff'"), bytes, SQLDataType.BLOB),
            c("boolean", List.of("true", "false"), Gen.of("true", "false", "'yes'", "'0'"), SQLDataType.BOOLEAN),
            c("uuid", List.of("'00000000-0000-0000-0000-000000000000'", "'ffffffff-ffff-ffff-ffff-ffffffffffff'"),
                r -> quote(new java.util.UUID(r.nextLong(), r.nextLong()).toString()), SQLDataType.UUID),
            c("json", List.of("'{}'", "'[]'", "'null'", "'\"x\"'", "'{\"b\": 1, \"a\": [1.0e2, \"ü\"], \"b\": 2}'"),
                texts().map(s -> quote("{\"k\": " + jsonString(s) + "}")), SQLDataType.JSON),
            c("jsonb", List.of("'{}'", "'null'", "'{\"b\": 1, \"a\": [1.0e2, \"ü\"]}'", "'12345678901234567890.5'"),
                texts().map(s -> quote("[" + jsonString(s) + ", 1.50]")), SQLDataType.JSONB),
            c("date", List.of("'2024-02-29'", "'0001-01-01'", "'0001-12-31 BC'", "'4713-01-01 BC'", "'1582-10-10'", "'infinity'",
                "'-infinity'", "'5874897-12-31'", "'2024-03-10'"), dates, SQLDataType.LOCALDATE, SQLDataType.DATE),
            c("time", List.of("'00:00'", "'23:59:59.999999'", "'24:00:00'", "'12:34:56.5'", "'00:00:00.000001'"),
                times().map(t -> quote(t.toString())), SQLDataType.LOCALTIME, SQLDataType.TIME),
            c("timetz", List.of("'12:34:56+05:30'", "'00:00:00-15:59'", "'24:00:00+00'", "'23:59:59.999999+14'"),
                times().map(t -> quote(t + "+02")), SQLDataType.OFFSETTIME),
            c("timestamp", List.of("'1999-12-31 23:59:59.123456'", "'0001-01-01 00:00'", "'0044-03-15 12:00 BC'", "'infinity'", "'-infinity'",
                "'294276-12-31 23:59:59.999999'", "'1582-10-05 00:00'", "'2024-03-10 02:30'", "'1970-01-01 00:00:00.000001'"),
                timestamps(false), SQLDataType.LOCALDATETIME, SQLDataType.TIMESTAMP),
            c("timestamptz", List.of("'1999-12-31 23:59:59.123456+05:30'", "'0044-03-15 12:00+00 BC'", "'infinity'", "'-infinity'",
                "'1970-01-01 00:00:00+00'", "'2024-03-10 02:30 America/New_York'", "'1900-01-01 00:00+00'"),
                timestamps(true), SQLDataType.OFFSETDATETIME, SQLDataType.INSTANT, SQLDataType.TIMESTAMP),
            c("interval", List.of("'36 hours'", "'1 year 2 mons 3 days 04:05:06.789012'", "'-1 day -02:00'", "'-1 year +2 days'",
                "'00:00:00.000001'", "'178000000 years'", "'-3 mons'", "'0'"), intervals(),
                SQLDataType.INTERVAL, SQLDataType.INTERVALDAYTOSECOND, SQLDataType.INTERVALYEARTOMONTH),
            c("integer[]", List.of("'{}'", "'{1,NULL,3}'", "'{{1,2},{3,4}}'", "'{{{1}},{{2}}}'", "'[0:1]={5,6}'"), arrays(ints, 1),
                SQLDataType.INTEGER.array()),
            c("integer[][]", List.of("'{{1,NULL},{3,4}}'"), arrays(ints, 2), SQLDataType.INTEGER.array()),
            c("text[]", List.of("'{}'", "'{\"x\",\"\",NULL,\"with,comma\",\"quote\\\"d\",\"NULL\"}'", "'{{a,b},{c,d}}'"),
                arrays(Gen.strings(' ', '~', 8).map(PgTypes::arrayElement), 1).map(s -> s.replace("''", "'").replace("'{", "E'{").replace("\\", "\\\\")),
                SQLDataType.CLOB.array()),
            c("numeric[]", List.of("'{1.50,NaN,NULL}'"), arrays(decimals, 1), SQLDataType.NUMERIC.array()),
            c("boolean[]", List.of("'{t,f,NULL}'"), arrays(Gen.of("t", "f"), 1), SQLDataType.BOOLEAN.array()),
            c("uuid[]", List.of("'{00000000-0000-0000-0000-000000000001}'"), Gen.just("'{}'"), SQLDataType.UUID.array()),
            c("date[]", List.of("'{2024-02-29,infinity,NULL}'", "'{\"0001-01-01 BC\"}'"), Gen.just("'{}'"), SQLDataType.LOCALDATE.array()),
            c("timestamp[]", List.of("'{\"2024-02-29 12:00:00.5\",NULL}'"), Gen.just("'{}'"), SQLDataType.LOCALDATETIME.array()),
            c("jsonb[]", List.of("'{\"{\\\"a\\\": 1}\"}'"), Gen.just("'{}'"), SQLDataType.JSONB.array()),
            c("inet", List.of("'192.168.0.1/24'", "'::1'", "'10.0.0.1'"), Gen.ints(0, 255)
                .map(i -> quote("10.1.2." + i)), SQLDataType.VARCHAR),
            c("cidr", List.of("'192.168.0.0/24'", "'::/0'"), Gen.just("'10.0.0.0/8'"), SQLDataType.VARCHAR),
            c("macaddr", List.of("'08:00:2b:01:02:03'"), Gen.just("'ff:ff:ff:ff:ff:ff'"), SQLDataType.VARCHAR),
            c("macaddr8", List.of("'08:00:2b:01:02:03:04:05'"), Gen.just("'00:00:00:00:00:00:00:00'"), SQLDataType.VARCHAR),
            c("bit(4)", List.of("B'1010'", "B'0000'"), Gen.ints(0, 15)
                .map(i -> "B'" + String.format("%4s", Integer.toBinaryString(i)).replace(' ', '0') + "'"), SQLDataType.VARCHAR),
            c("varbit", List.of("B''", "B'101'"), Gen.strings("01", 70).map(s -> "B'" + s + "'"),
                SQLDataType.VARCHAR),
            c("xml", List.of("'<a>b</a>'", "'text only'"), Gen.strings(ALPHA, 10).filter(x -> !x.isEmpty())
                .map(s -> quote("<" + s + "/>")), SQLDataType.XML),
            c("point", List.of("'(1,2)'", "'(-0.5,1e300)'"), r -> quote("(" + r.nextDouble(-1e9, 1e9) + ",0)"), SQLDataType.VARCHAR),
            c("box", List.of("'(1,2),(3,4)'"), Gen.just("'(0,0),(0,0)'"), SQLDataType.VARCHAR),
            c("lseg", List.of("'[(1,2),(3,4)]'"), Gen.just("'[(0,0),(1,1)]'"), SQLDataType.VARCHAR),
            c("line", List.of("'{1,2,3}'"), Gen.just("'{1,-1,0}'"), SQLDataType.VARCHAR),
            c("path", List.of("'[(1,2),(3,4)]'", "'((0,0),(1,1),(1,0))'"), Gen.just("'[(0,0)]'"), SQLDataType.VARCHAR),
            c("polygon", List.of("'((0,0),(1,1),(1,0))'"), Gen.just("'((0,0))'"), SQLDataType.VARCHAR),
            c("circle", List.of("'<(1,2),3>'"), Gen.just("'<(0,0),0>'"), SQLDataType.VARCHAR),
            c("int4range", List.of("'[1,5)'", "'empty'", "'(,)'", "'[3,]'"), Gen.ints(-100, 100)
                .map(i -> quote("[" + i + "," + (i + 10) + ")")), SQLDataType.VARCHAR),
            c("numrange", List.of("'[1.5,2.25]'"), Gen.just("'empty'"), SQLDataType.VARCHAR),
            c("tsrange", List.of("'[2024-01-01 00:00,2024-01-02 00:00.5)'", "'[-infinity,infinity]'"), Gen.just("'empty'"),
                SQLDataType.VARCHAR),
            c("tstzrange", List.of("'[2024-01-01 00:00+00,2024-01-02 00:00+05)'"), Gen.just("'empty'"), SQLDataType.VARCHAR),
            c("daterange", List.of("'[2024-01-01,2024-02-01)'", "'[2024-01-01,2024-01-01]'"), Gen.just("'empty'"), SQLDataType.VARCHAR),
            c("int4multirange", List.of("'{[1,3),[5,7)}'", "'{}'"), Gen.just("'{[1,2)}'"), SQLDataType.VARCHAR),
            c("fid_mood", List.of("'sad'", "'happy'"), Gen.of("'sad'", "'ok'", "'happy'"),
                SQLDataType.VARCHAR.asEnumDataType(Mood.class), SQLDataType.VARCHAR),
            c("fid_posint", List.of("1", "2147483647"), Gen.ints(1, Integer.MAX_VALUE).map(String::valueOf),
                SQLDataType.INTEGER),
            c("fid_pair", List.of("'(1,\"x y\")'", "'(,)'", "'(2,\"\")'"), Gen.ints(Integer.MIN_VALUE, Integer.MAX_VALUE).map(i -> quote("(" + i + ",t)")),
                SQLDataType.VARCHAR),
            c("tsvector", List.of("'a fat cat:3'", "''"), Gen.strings(ALPHA, 8).filter(x -> !x.isEmpty()).map(PgTypes::quote),
                SQLDataType.VARCHAR),
            c("tsquery", List.of("'fat & rat'"), Gen.just("'a | b'"), SQLDataType.VARCHAR),
            c("oid", List.of("4294967295", "0"), Gen.longs(0, 4294967295L).map(String::valueOf), SQLDataType.BIGINT),
            c("regclass", List.of("'pg_class'"), Gen.just("'pg_type'"), SQLDataType.VARCHAR),
            c("pg_lsn", List.of("'16/B374D848'"), Gen.just("'0/0'"), SQLDataType.VARCHAR));
    }

    private static String jsonString(String sqlQuoted) {
        String s = sqlQuoted.substring(1, sqlQuoted.length() - 1).replace("''", "'");
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            if (ch == '"' || ch == '\\')
                b.append('\\').append(ch);
            else if (ch < 0x20)
                b.append(String.format("\\u%04x", (int) ch));
            else
                b.append(ch);
        }
        return b.append('"').toString().replace("'", "''");
    }
}
