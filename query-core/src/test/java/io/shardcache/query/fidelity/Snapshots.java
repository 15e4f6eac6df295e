package io.shardcache.query.fidelity;

import java.lang.reflect.Array;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Result;

/**
 * What a person (or a program) can observe of a read, as lines of text: every field's name and type,
 * every value with its exact Java class, and for a JDBC result set every getter's answer (or the kind
 * of exception it throws) and the column metadata. Two reads answer the same iff their snapshots are
 * equal.
 */
public final class Snapshots {

    private static final HexFormat HEX = HexFormat.of();

    private Snapshots() {
    }

    public static List<String> of(Result<? extends Record> result) {
        List<String> lines = new ArrayList<>();
        for (Field<?> f : result.fields())
            lines.add("field " + f.getQualifiedName() + " " + type(f.getDataType()));
        for (Record r : result) {
            StringBuilder row = new StringBuilder("row");
            for (int i = 0; i < r.size(); i++)
                row.append(" | ").append(value(r.get(i)));
            lines.add(row.toString());
        }
        return lines;
    }

    static String type(DataType<?> t) {
        return t.getTypeName() + "/" + t.getCastTypeName() + " " + t.getType().getName()
            + (t.precisionDefined() ? " p" + t.precision() : "") + (t.scaleDefined() ? " s" + t.scale() : "")
            + (t.lengthDefined() ? " l" + t.length() : "") + (t.isArray() && t.getArrayComponentDataType() != null
                ? " of " + type(t.getArrayComponentDataType()) : "");
    }

    /** A value with its class; arrays by content, java.util.Date subclasses with their instant too. */
    public static String value(Object v) {
        if (v == null)
            return "NULL";
        if (v instanceof byte[] b)
            return "byte[]:" + HEX.formatHex(b);
        if (v.getClass().isArray()) {
            StringBuilder s = new StringBuilder(v.getClass().getComponentType().getName()).append("[]{");
            for (int i = 0; i < Array.getLength(v); i++)
                s.append(i == 0 ? "" : ", ").append(value(Array.get(v, i)));
            return s.append('}').toString();
        }
        if (v instanceof java.util.Date d)
            return v.getClass().getName() + ":" + v + "@" + d.getTime() + (v instanceof java.sql.Timestamp t ? "." + t.getNanos() : "");
        if (v instanceof java.sql.SQLXML x) {
            try {
                return "java.sql.SQLXML:" + x.getString();
            } catch (SQLException e) {
                return "java.sql.SQLXML:!" + e.getClass().getSimpleName();
            }
        }
        if (v instanceof java.sql.Array a) {
            try {
                return "java.sql.Array(" + a.getBaseTypeName() + "," + a.getBaseType() + "):" + value(a.getArray()) + " text " + a;
            } catch (SQLException e) {
                return "java.sql.Array:!" + e.getClass().getSimpleName();
            }
        }
        return v.getClass().getName() + ":" + v;
    }

    /** Every getter a binding or a user may call, on every column of every row. */
    public static List<String> of(ResultSet rs) throws SQLException {
        List<String> lines = new ArrayList<>();
        ResultSetMetaData m = rs.getMetaData();
        int n = m.getColumnCount();
        for (int i = 1; i <= n; i++) {
            int c = i;
            lines.add("column " + i + " label=" + get(() -> m.getColumnLabel(c)) + " name=" + get(() -> m.getColumnName(c))
                + " type=" + get(() -> m.getColumnType(c)) + " typeName=" + get(() -> m.getColumnTypeName(c))
                + " precision=" + get(() -> m.getPrecision(c)) + " scale=" + get(() -> m.getScale(c))
                + " table=" + get(() -> m.getTableName(c)) + " schema=" + get(() -> m.getSchemaName(c))
                + " nullable=" + get(() -> m.isNullable(c)) + " class=" + get(() -> m.getColumnClassName(c))
                + " signed=" + get(() -> m.isSigned(c)) + " autoIncrement=" + get(() -> m.isAutoIncrement(c)));
        }
        while (rs.next()) {
            for (int i = 1; i <= n; i++) {
                int c = i;
                lines.add("cell " + rs.getRow() + "," + i
                    + " getString=" + get(() -> rs.getString(c))
                    + " getObject=" + get(() -> rs.getObject(c))
                    + " wasNull=" + get(rs::wasNull)
                    + " getInt=" + get(() -> rs.getInt(c)) + " getLong=" + get(() -> rs.getLong(c))
                    + " getDouble=" + get(() -> rs.getDouble(c)) + " getBigDecimal=" + get(() -> rs.getBigDecimal(c))
                    + " getBoolean=" + get(() -> rs.getBoolean(c)) + " getBytes=" + get(() -> rs.getBytes(c))
                    + " getDate=" + get(() -> rs.getDate(c)) + " getTime=" + get(() -> rs.getTime(c))
                    + " getTimestamp=" + get(() -> rs.getTimestamp(c))
                    + " LocalDate=" + get(() -> rs.getObject(c, LocalDate.class))
                    + " LocalTime=" + get(() -> rs.getObject(c, LocalTime.class))
                    + " LocalDateTime=" + get(() -> rs.getObject(c, LocalDateTime.class))
                    + " OffsetDateTime=" + get(() -> rs.getObject(c, OffsetDateTime.class))
                    + " OffsetTime=" + get(() -> rs.getObject(c, OffsetTime.class))
                    + " getShort=" + get(() -> rs.getShort(c)) + " getByte=" + get(() -> rs.getByte(c))
                    + " getFloat=" + get(() -> rs.getFloat(c)) + " scale2=" + get(() -> rs.getBigDecimal(c, 2))
                    + " byLabel=" + get(() -> rs.getString(m.getColumnLabel(c).toUpperCase(java.util.Locale.ROOT)))
                    + " utcTimestamp=" + get(() -> rs.getTimestamp(c, UTC.get()))
                    + " utcDate=" + get(() -> rs.getDate(c, UTC.get())) + " utcTime=" + get(() -> rs.getTime(c, UTC.get()))
                    + " as=" + objectsAs(rs, c));
            }
        }
        return lines;
    }

    /** A calendar in UTC, new for each call: the driver may change a calendar it is given. */
    private static final java.util.function.Supplier<java.util.Calendar> UTC =
        () -> java.util.Calendar.getInstance(java.util.TimeZone.getTimeZone("UTC"));

    /** getObject(column, type) for the types applications ask for. */
    private static String objectsAs(ResultSet rs, int c) {
        StringBuilder b = new StringBuilder();
        for (Class<?> type : List.<Class<?>>of(String.class, Integer.class, Long.class, Short.class, Double.class, Float.class,
                java.math.BigDecimal.class, java.math.BigInteger.class, Boolean.class, java.util.UUID.class, byte[].class,
                java.sql.Date.class, java.sql.Time.class, java.sql.Timestamp.class, java.util.Date.class, java.net.InetAddress.class,
                org.postgresql.util.PGobject.class, Object.class))
            b.append(type.getSimpleName()).append('=').append(get(() -> rs.getObject(c, type))).append(' ');
        return b.toString();
    }

    interface Getter {
        Object get() throws SQLException;
    }

    /** The answer, or the kind of failure: any SQLException is one kind, as its message is the driver's. */
    private static String get(Getter g) {
        try {
            return value(g.get());
        } catch (SQLException e) {
            return "!SQLException";
        } catch (RuntimeException e) {
            return "!" + e.getClass().getSimpleName();
        }
    }

    /** The first line where two snapshots differ, for a failure message. */
    public static String firstDifference(List<String> expected, List<String> actual) {
        for (int i = 0; i < Math.max(expected.size(), actual.size()); i++) {
            String e = i < expected.size() ? expected.get(i) : "(nothing)";
            String a = i < actual.size() ? actual.get(i) : "(nothing)";
            if (!e.equals(a))
                return "\n      live:   " + e + "\n      cached: " + a;
        }
        return "(none)";
    }
}
