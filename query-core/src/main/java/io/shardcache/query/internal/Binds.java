package io.shardcache.query.internal;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.JDBCType;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Calendar;
import java.util.Objects;
import java.util.StringJoiner;
import org.jspecify.annotations.Nullable;

/**
 * The bind values of one statement, recorded exactly as jOOQ set them.
 *
 * <p>They serve two purposes: they are part of the cache key (each value with its type, so that
 * {@code 1}, {@code 1L} and {@code "1"} never share an entry), and on a miss they are replayed
 * onto a real {@link PreparedStatement} with the very same setter, SQL type and scale, so the
 * database sees exactly what an uncached execution would have sent.
 *
 * <p>Not thread-safe: a statement is used by one thread at a time, as JDBC requires.
 */
final class Binds {

    /** Which setter was called; its ordinal is part of the key material, so append only. */
    enum Kind {
        NULL, BOOLEAN, BYTE, SHORT, INT, LONG, FLOAT, DOUBLE, BIG_DECIMAL, STRING, NSTRING, BYTES,
        DATE, TIME, TIMESTAMP, OBJECT, OBJECT_TYPED, OBJECT_TYPED_SCALED, ARRAY
    }

    private static final @Nullable Object[] NONE = new Object[0];

    // What follows a bind in the key material: nothing, a Calendar's zone, or a setNull type name.
    static final byte EXTRA_NONE = 0, EXTRA_CALENDAR = 1, EXTRA_TYPE_NAME = 2;

    // Parallel arrays indexed by parameter index - 1: the common case is a handful of binds.
    private @Nullable Kind[] kinds = new Kind[4];
    private @Nullable Object[] values = new Object[4];
    private int[] sqlTypes = new int[4];
    private int[] scales = new int[4];
    private @Nullable Object[] extras = NONE;   // Calendar or type name, rarely used
    private int count;

    void set(int index, Kind kind, @Nullable Object value) {
        set(index, kind, value, 0, 0, null);
    }

    void set(int index, Kind kind, @Nullable Object value, int sqlType, int scale, @Nullable Object extra) {
        if (index < 1)
            throw new IllegalArgumentException("JDBC parameter indexes start at 1, got " + index);
        int i = index - 1;
        if (i >= kinds.length) {
            int n = Math.max(i + 1, kinds.length * 2);
            kinds = Arrays.copyOf(kinds, n);
            values = Arrays.copyOf(values, n);
            sqlTypes = Arrays.copyOf(sqlTypes, n);
            scales = Arrays.copyOf(scales, n);
        }
        if (extra != null && extras.length <= i)
            extras = Arrays.copyOf(extras, kinds.length);
        kinds[i] = kind;
        values[i] = value;
        sqlTypes[i] = sqlType;
        scales[i] = scale;
        if (extras.length > i)
            extras[i] = extra;
        count = Math.max(count, index);
    }

    void clear() {
        Arrays.fill(kinds, 0, count, null);
        Arrays.fill(values, 0, count, null);
        Arrays.fill(extras, 0, Math.min(count, extras.length), null);
        count = 0;
    }

    int count() {
        return count;
    }

    /** The setter of parameter {@code i} (0-based), null if it was never set. */
    @Nullable Kind kind(int i) {
        return kinds[i];
    }

    /** The value of parameter {@code i} (0-based) as jOOQ handed it to the driver. */
    @Nullable Object value(int i) {
        return values[i];
    }

    /** True if parameter {@code i} (0-based) carries a calendar or type name besides its value. */
    boolean hasExtra(int i) {
        return extra(i) != null;
    }

    /** An independent copy, for a regeneration that runs after the statement is gone. */
    Binds copy() {
        Binds c = new Binds();
        c.kinds = Arrays.copyOf(kinds, count);
        c.values = Arrays.copyOf(values, count);
        c.sqlTypes = Arrays.copyOf(sqlTypes, count);
        c.scales = Arrays.copyOf(scales, count);
        c.extras = extras.length == 0 ? NONE : Arrays.copyOf(extras, count);
        c.count = count;
        return c;
    }

    /** Feeds every bind, type first, into the key material. */
    void writeTo(KeyMaterial.Writer w) throws SQLException {
        w.writeInt(count);
        for (int i = 0; i < count; i++) {
            Kind kind = kinds[i];
            if (kind == null)
                throw new SQLException("shardcache: parameter " + (i + 1) + " of " + count + " was never set");
            w.writeByte(kind.ordinal());
            switch (kind) {
                case NULL, OBJECT_TYPED, OBJECT_TYPED_SCALED -> {
                    w.writeInt(sqlTypes[i]);
                    w.writeInt(scales[i]);
                    w.writeValue(values[i]);
                }
                default -> w.writeValue(values[i]);
            }
            Object extra = extra(i);
            if (extra instanceof Calendar c) {
                w.writeByte(EXTRA_CALENDAR);
                w.writeString(c.getTimeZone().getID());
            } else if (extra instanceof String typeName) {
                w.writeByte(EXTRA_TYPE_NAME);
                w.writeString(typeName);
            } else {
                w.writeByte(EXTRA_NONE);
            }
        }
    }

    /** Sets every recorded bind on a real statement with the same setter jOOQ used. */
    void replay(PreparedStatement ps, Connection connection) throws SQLException {
        for (int i = 0; i < count; i++) {
            int p = i + 1;
            Object v = values[i];
            Object extra = extra(i);
            Calendar cal = extra instanceof Calendar c ? c : null;
            switch (Objects.requireNonNull(kinds[i], "an unset parameter")) {   // writeTo, which comes first, refuses one
                case NULL -> {
                    if (extra instanceof String typeName)
                        ps.setNull(p, sqlTypes[i], typeName);
                    else
                        ps.setNull(p, sqlTypes[i]);
                }
                case BOOLEAN -> ps.setBoolean(p, (Boolean) boxed(v));
                case BYTE -> ps.setByte(p, (Byte) boxed(v));
                case SHORT -> ps.setShort(p, (Short) boxed(v));
                case INT -> ps.setInt(p, (Integer) boxed(v));
                case LONG -> ps.setLong(p, (Long) boxed(v));
                case FLOAT -> ps.setFloat(p, (Float) boxed(v));
                case DOUBLE -> ps.setDouble(p, (Double) boxed(v));
                case BIG_DECIMAL -> ps.setBigDecimal(p, (BigDecimal) v);
                case STRING -> ps.setString(p, (String) v);
                case NSTRING -> ps.setNString(p, (String) v);
                case BYTES -> ps.setBytes(p, (byte[]) v);
                case DATE -> {
                    if (cal != null) ps.setDate(p, (java.sql.Date) v, cal);
                    else ps.setDate(p, (java.sql.Date) v);
                }
                case TIME -> {
                    if (cal != null) ps.setTime(p, (java.sql.Time) v, cal);
                    else ps.setTime(p, (java.sql.Time) v);
                }
                case TIMESTAMP -> {
                    if (cal != null) ps.setTimestamp(p, (java.sql.Timestamp) v, cal);
                    else ps.setTimestamp(p, (java.sql.Timestamp) v);
                }
                case OBJECT -> ps.setObject(p, v);
                case OBJECT_TYPED -> ps.setObject(p, v, sqlTypes[i]);
                case OBJECT_TYPED_SCALED -> ps.setObject(p, v, sqlTypes[i], scales[i]);
                case ARRAY -> {
                    Array a = (Array) v;
                    ps.setArray(p, a == null ? null : connection.createArrayOf(a.getBaseTypeName(), (Object[]) a.getArray()));
                }
            }
        }
    }

    /** A readable form for debugging, e.g. {@code [INT 42, STRING 'x', NULL(INTEGER)]}. */
    String describe() {
        StringJoiner j = new StringJoiner(", ", "[", "]");
        for (int i = 0; i < count; i++) {
            Kind kind = kinds[i];
            Object v = values[i];
            String text = switch (kind) {
                case null -> "UNSET";
                case NULL -> "NULL(" + typeName(sqlTypes[i]) + ")";
                case OBJECT_TYPED, OBJECT_TYPED_SCALED -> "OBJECT(" + typeName(sqlTypes[i]) + ") " + show(v);
                default -> kind + " " + show(v);
            };
            j.add(text);
        }
        return j.toString();
    }

    /** The value of a bind made by a primitive setter ({@code setInt}, ...), which always records it boxed. */
    private static Object boxed(@Nullable Object v) {
        return Objects.requireNonNull(v, "a primitive bind without a value");
    }

    private @Nullable Object extra(int i) {
        return i < extras.length ? extras[i] : null;
    }

    private static String typeName(int sqlType) {
        try {
            return JDBCType.valueOf(sqlType).getName();
        } catch (IllegalArgumentException e) {
            return Integer.toString(sqlType);
        }
    }

    private static String show(@Nullable Object v) {
        if (v == null)
            return "null";
        if (v instanceof String s)
            return "'" + s + "'";
        if (v instanceof byte[] b)
            return "bytes[" + b.length + "]";
        if (v instanceof Object[] a)
            return Arrays.deepToString(a);
        return v + " (" + v.getClass().getSimpleName() + ")";
    }
}
