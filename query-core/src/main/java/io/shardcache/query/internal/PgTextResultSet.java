package io.shardcache.query.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.sql.Date;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Time;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.Calendar;
import java.util.Locale;
import java.util.Map;
import java.util.TimeZone;
import java.util.UUID;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.tools.jdbc.MockResultSet;
import org.jspecify.annotations.Nullable;
import org.postgresql.geometric.PGbox;
import org.postgresql.geometric.PGcircle;
import org.postgresql.geometric.PGline;
import org.postgresql.geometric.PGlseg;
import org.postgresql.geometric.PGpath;
import org.postgresql.geometric.PGpoint;
import org.postgresql.geometric.PGpolygon;
import org.postgresql.jdbc.PgResultSet;
import org.postgresql.jdbc.TimestampUtils;
import org.postgresql.util.PGInterval;
import org.postgresql.util.PGbytea;
import org.postgresql.util.PGmoney;
import org.postgresql.util.PGobject;
import org.postgresql.util.PGtokenizer;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;

/**
 * A result set over cached rows that answers every getter exactly as PostgreSQL's JDBC driver (pgjdbc)
 * answers it on the live row.
 *
 * <h2>How</h2>
 * A cached cell is the text PostgreSQL sent (what pgjdbc's {@code getString} returns for a result read
 * in text format, which the loader asks for), and its column keeps the driver's metadata
 * ({@link ColumnMeta}). Every getter here applies pgjdbc's own text-format conversion to that text:
 * its public parsers ({@code PgResultSet.toInt} and the like, {@link TimestampUtils}, {@link PGbytea},
 * the {@code PGobject} types it registers), dispatched on the column's type OID and JDBC type as
 * pgjdbc dispatches. jOOQ then reads records through its bindings exactly as from the live result set,
 * so values, Java classes and field metadata all come out the same, on the miss that fills an entry and
 * on every hit after it.
 *
 * <h2>What is never cached</h2>
 * Columns whose driver object needs a live connection (arrays: {@code PgArray}; {@code xml}:
 * {@code PgSQLXML}; large objects; {@code hstore}; ref cursors) are refused by {@link #cacheable}:
 * such reads pass through to the database untouched. Driver settings other than the defaults that
 * change getters ({@code convertBooleanToNumeric}, custom data types added on a connection, a statement's
 * {@code maxFieldSize}) are not reproduced.
 *
 * <p>Not thread-safe, like any result set. Over 500 lines because it is one JDBC interface: a getter
 * per type, each converting PostgreSQL's text as the driver does.
 */
final class PgTextResultSet extends MockResultSet {

    private static final int OID_BOOL = 16, OID_BYTEA = 17, OID_BIT = 1560, OID_DATE = 1082, OID_TIME = 1083,
        OID_TIMETZ = 1266, OID_TIMESTAMP = 1114, OID_TIMESTAMPTZ = 1184;

    /** The {@code PGobject} subclasses pgjdbc registers on every connection, by type name. */
    private static final Map<String, Class<? extends PGobject>> OBJECT_TYPES = Map.of("box", PGbox.class,
        "circle", PGcircle.class, "line", PGline.class, "lseg", PGlseg.class, "path", PGpath.class, "point", PGpoint.class,
        "polygon", PGpolygon.class, "money", PGmoney.class, "interval", PGInterval.class);

    /**
     * pgjdbc's conversions of dates and times, one per thread: it is not thread-safe, and a result set
     * of the driver makes one of its own, which costs more than a cached hit's whole read.
     */
    private static final ThreadLocal<TimestampUtils> TIMESTAMPS =
        ThreadLocal.withInitial(() -> new TimestampUtils(false, TimeZone::getDefault));

    private final Result<Record> rows;
    private final ColumnMeta[] columns;
    private @Nullable Map<String, Integer> byLabel;
    private boolean lastNull;

    PgTextResultSet(Result<Record> rows) {
        super(rows);
        this.rows = rows;
        this.columns = columns(rows);
    }

    /** The driver's metadata of each column of cached rows. */
    static ColumnMeta[] columns(Result<Record> rows) {
        Field<?>[] fields = rows.fields();
        ColumnMeta[] columns = new ColumnMeta[fields.length];
        for (int i = 0; i < fields.length; i++) {
            if (!(fields[i] instanceof ColumnField c))
                throw new IllegalArgumentException("not cached rows: column " + i + " is " + fields[i]);
            columns[i] = c.meta;
        }
        return columns;
    }

    /**
     * Null when every getter can be answered from the cached text of columns like these; else why not,
     * naming the column. A property of the column types alone, so of the SQL text.
     */
    static @Nullable String cacheable(ColumnMeta[] columns) {
        for (ColumnMeta c : columns) {
            String why = switch (c.sqlType()) {
                case Types.ARRAY -> "an array (the driver's PgArray needs a live connection)";
                case Types.SQLXML -> "xml (the driver's SQLXML needs a live connection)";
                case Types.CLOB, Types.BLOB -> "a large object";
                default -> switch (c.pgType()) {
                    case "hstore" -> "hstore (the driver converts it with connection state)";
                    case "refcursor" -> "a cursor (reading it runs another query)";
                    default -> null;
                };
            };
            if (why != null)
                return "column " + c.label() + " of type " + c.typeName() + " is " + why;
        }
        return null;
    }

    // ---- access -------------------------------------------------------------------------------

    /** The cell's text (null for NULL), which also sets {@link #wasNull()}. Cursor moves are the superclass's. */
    private @Nullable String text(int column) throws SQLException {
        int row = getRow();
        if (row < 1)
            throw new SQLException("ResultSet index is at an illegal position : " + row);
        String v = (String) rows.get(row - 1).get(column - 1);
        lastNull = v == null;
        return v;
    }

    @Override
    public boolean wasNull() {
        return lastNull;
    }

    private ColumnMeta column(int index) throws SQLException {
        if (index < 1 || index > columns.length)
            throw new PSQLException("The column index is out of range: " + index + ", number of columns: " + columns.length + ".",
                PSQLState.INVALID_PARAMETER_VALUE);
        return columns[index - 1];
    }

    private static TimestampUtils timestamps() {
        return TIMESTAMPS.get();
    }

    private Calendar calendar(@Nullable Calendar cal) {
        return cal != null ? cal : timestamps().getSharedCalendar(null);
    }

    private static PSQLException notConvertible(Object to, ColumnMeta c) {
        return new PSQLException("conversion to " + to + " from " + c.pgType() + " not supported", PSQLState.INVALID_PARAMETER_VALUE);
    }

    private static PSQLException cannotConvert(ColumnMeta c, String to) {
        return new PSQLException("Cannot convert the column of type " + c.pgType() + " to requested type " + to + ".",
            PSQLState.DATA_TYPE_MISMATCH);
    }

    // ---- getters by index ---------------------------------------------------------------------

    @Override
    public @Nullable String getString(int columnIndex) throws SQLException {
        column(columnIndex);
        return text(columnIndex);
    }

    @Override
    public boolean getBoolean(int columnIndex) throws SQLException {
        ColumnMeta c = column(columnIndex);
        String s = text(columnIndex);
        if (s == null)
            return false;
        if (c.oid() == OID_BOOL)
            return s.equals("t");
        return castToBoolean(s);
    }

    /** pgjdbc's {@code BooleanTypeUtil.fromString}. */
    private static boolean castToBoolean(String s) throws PSQLException {
        String v = s.trim();
        if (v.equals("1") || v.equalsIgnoreCase("true") || v.equalsIgnoreCase("t") || v.equalsIgnoreCase("yes")
            || v.equalsIgnoreCase("y") || v.equalsIgnoreCase("on"))
            return true;
        if (v.equals("0") || v.equalsIgnoreCase("false") || v.equalsIgnoreCase("f") || v.equalsIgnoreCase("no")
            || v.equalsIgnoreCase("n") || v.equalsIgnoreCase("off"))
            return false;
        throw new PSQLException("Cannot cast to boolean: \"" + s + "\"", PSQLState.CANNOT_COERCE);
    }

    @Override
    public byte getByte(int columnIndex) throws SQLException {
        column(columnIndex);
        String s = text(columnIndex);
        if (s == null)
            return 0;
        s = s.trim();
        if (s.isEmpty())
            return 0;
        try {
            return Byte.parseByte(s);
        } catch (NumberFormatException e) {
            try {
                BigInteger i = new BigDecimal(s).toBigInteger();
                if (i.compareTo(BigInteger.valueOf(Byte.MAX_VALUE)) > 0 || i.compareTo(BigInteger.valueOf(Byte.MIN_VALUE)) < 0)
                    throw new PSQLException("Bad value for type byte : " + s, PSQLState.NUMERIC_VALUE_OUT_OF_RANGE);
                return i.byteValue();
            } catch (NumberFormatException ne) {
                throw new PSQLException("Bad value for type byte : " + s, PSQLState.NUMERIC_VALUE_OUT_OF_RANGE);
            }
        }
    }

    @Override
    public short getShort(int columnIndex) throws SQLException {
        column(columnIndex);
        return PgResultSet.toShort(trimMoney(text(columnIndex)));
    }

    @Override
    public int getInt(int columnIndex) throws SQLException {
        column(columnIndex);
        return PgResultSet.toInt(trimMoney(text(columnIndex)));
    }

    @Override
    public long getLong(int columnIndex) throws SQLException {
        column(columnIndex);
        return PgResultSet.toLong(trimMoney(text(columnIndex)));
    }

    @Override
    public float getFloat(int columnIndex) throws SQLException {
        column(columnIndex);
        return PgResultSet.toFloat(trimMoney(text(columnIndex)));
    }

    @Override
    public double getDouble(int columnIndex) throws SQLException {
        column(columnIndex);
        return PgResultSet.toDouble(trimMoney(text(columnIndex)));
    }

    @Override
    public @Nullable BigDecimal getBigDecimal(int columnIndex) throws SQLException {
        return (BigDecimal) numeric(columnIndex, null, false);
    }

    @Override
    @Deprecated
    public @Nullable BigDecimal getBigDecimal(int columnIndex, int scale) throws SQLException {
        return (BigDecimal) numeric(columnIndex, scale, false);
    }

    /** pgjdbc's {@code getNumeric}: NaN and the infinities come back as doubles only when {@code allowSpecial}. */
    private @Nullable Number numeric(int columnIndex, @Nullable Integer scale, boolean allowSpecial) throws SQLException {
        column(columnIndex);
        String s = trimMoney(text(columnIndex));
        if (s == null)
            return null;
        if (allowSpecial) {
            if ("NaN".equalsIgnoreCase(s))
                return Double.NaN;
            if ("Infinity".equalsIgnoreCase(s))
                return Double.POSITIVE_INFINITY;
            if ("-Infinity".equalsIgnoreCase(s))
                return Double.NEGATIVE_INFINITY;
        }
        BigDecimal d = PgResultSet.toBigDecimal(s);
        if (scale == null)
            return d;
        try {
            return d.setScale(scale, RoundingMode.HALF_EVEN);
        } catch (ArithmeticException e) {
            throw new PSQLException("Bad value for type BigDecimal : " + d, PSQLState.NUMERIC_VALUE_OUT_OF_RANGE);
        }
    }

    /** pgjdbc's {@code trimMoney}: {@code $1.50} → {@code 1.50}, {@code ($1.50)} → {@code -1.50}. */
    private static @Nullable String trimMoney(@Nullable String s) {
        if (s == null || s.length() < 2)
            return s;
        char ch = s.charAt(0);
        if (ch > '-')
            return s;
        if (ch == '(')
            return "-" + PGtokenizer.removePara(s).substring(1);
        if (ch == '$')
            return s.substring(1);
        if (ch == '-' && s.charAt(1) == '$')
            return "-" + s.substring(2);
        return s;
    }

    @Override
    public byte @Nullable [] getBytes(int columnIndex) throws SQLException {
        ColumnMeta c = column(columnIndex);
        String s = text(columnIndex);
        if (s == null)
            return null;
        byte[] raw = s.getBytes(StandardCharsets.UTF_8);
        return c.oid() == OID_BYTEA ? PGbytea.toBytes(raw) : raw;
    }

    @Override
    public @Nullable Date getDate(int columnIndex) throws SQLException {
        return getDate(columnIndex, (Calendar) null);
    }

    @Override
    public @Nullable Date getDate(int columnIndex, @Nullable Calendar cal) throws SQLException {
        column(columnIndex);
        String s = text(columnIndex);
        return s == null ? null : timestamps().toDate(calendar(cal), s);
    }

    @Override
    public @Nullable Time getTime(int columnIndex) throws SQLException {
        return getTime(columnIndex, (Calendar) null);
    }

    @Override
    public @Nullable Time getTime(int columnIndex, @Nullable Calendar cal) throws SQLException {
        column(columnIndex);
        String s = text(columnIndex);
        return s == null ? null : timestamps().toTime(calendar(cal), s);
    }

    @Override
    public @Nullable Timestamp getTimestamp(int columnIndex) throws SQLException {
        return getTimestamp(columnIndex, (Calendar) null);
    }

    @Override
    public @Nullable Timestamp getTimestamp(int columnIndex, @Nullable Calendar cal) throws SQLException {
        ColumnMeta c = column(columnIndex);
        String s = text(columnIndex);
        if (s == null)
            return null;
        Calendar calendar = calendar(cal);
        if (c.oid() == OID_TIME || c.oid() == OID_TIMETZ) {
            Timestamp withMicros = timestamps().toTimestamp(calendar, s);
            Timestamp onEpochDay = new Timestamp(timestamps().toTime(calendar, s).getTime());
            onEpochDay.setNanos(withMicros.getNanos());
            return onEpochDay;
        }
        return timestamps().toTimestamp(calendar, s);
    }

    @Override
    public @Nullable Object getObject(int columnIndex) throws SQLException {
        ColumnMeta c = column(columnIndex);
        String s = text(columnIndex);
        if (s == null)
            return null;
        switch (c.sqlType()) {
            case Types.BOOLEAN, Types.BIT -> {
                if (c.oid() == OID_BOOL || (c.oid() == OID_BIT && s.getBytes(StandardCharsets.UTF_8).length == 1))
                    return getBoolean(columnIndex);
            }
            case Types.TINYINT, Types.SMALLINT, Types.INTEGER -> {
                return getInt(columnIndex);
            }
            case Types.BIGINT -> {
                return getLong(columnIndex);
            }
            case Types.NUMERIC, Types.DECIMAL -> {
                return numeric(columnIndex, c.precision() == 0 ? null : numericScale(c.scale()), true);
            }
            case Types.REAL -> {
                return getFloat(columnIndex);
            }
            case Types.FLOAT, Types.DOUBLE -> {
                return getDouble(columnIndex);
            }
            case Types.CHAR, Types.VARCHAR, Types.LONGVARCHAR -> {
                return s;
            }
            case Types.DATE -> {
                return getDate(columnIndex);
            }
            case Types.TIME -> {
                return getTime(columnIndex);
            }
            case Types.TIMESTAMP -> {
                return getTimestamp(columnIndex);
            }
            case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY -> {
                return getBytes(columnIndex);
            }
            default -> {
                if (c.pgType().equals("unknown"))
                    return s;
                if (c.pgType().equals("uuid"))
                    return UUID.fromString(s);
            }
        }
        return pgObject(c, s);
    }

    /** pgjdbc's {@code decodeNumericScale}, from the scale its metadata reports. */
    private static int numericScale(int scale) {
        return (((scale & 0x7ff) ^ 0x400) - 0x400);
    }

    /** As pgjdbc's {@code PgConnection.getObject(type, value)}: a registered subclass, else a plain {@code PGobject}. */
    private static PGobject pgObject(ColumnMeta c, @Nullable String value) throws SQLException {
        Class<? extends PGobject> type = OBJECT_TYPES.get(c.pgType());
        PGobject o;
        try {
            o = type == null ? new PGobject() : type.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new PSQLException("Failed to create object for: " + c.pgType() + ".", PSQLState.CONNECTION_FAILURE, e);
        }
        o.setType(c.pgType());
        o.setValue(value);
        return o;
    }

    @Override
    public <T> @Nullable T getObject(int columnIndex, Class<T> type) throws SQLException {
        if (type == null)
            throw new SQLException("type is null");
        ColumnMeta c = column(columnIndex);
        int sqlType = c.sqlType();
        if (type == BigDecimal.class) {
            if (sqlType == Types.NUMERIC || sqlType == Types.DECIMAL)
                return type.cast(getBigDecimal(columnIndex));
        } else if (type == String.class) {
            if (sqlType == Types.CHAR || sqlType == Types.VARCHAR)
                return type.cast(getString(columnIndex));
        } else if (type == Boolean.class) {
            if (sqlType == Types.BOOLEAN || sqlType == Types.BIT) {
                boolean b = getBoolean(columnIndex);
                return wasNull() ? null : type.cast(b);
            }
        } else if (type == Short.class) {
            if (sqlType == Types.SMALLINT) {
                short v = getShort(columnIndex);
                return wasNull() ? null : type.cast(v);
            }
        } else if (type == Integer.class) {
            if (sqlType == Types.INTEGER || sqlType == Types.SMALLINT) {
                int v = getInt(columnIndex);
                return wasNull() ? null : type.cast(v);
            }
        } else if (type == Long.class) {
            if (sqlType == Types.BIGINT) {
                long v = getLong(columnIndex);
                return wasNull() ? null : type.cast(v);
            }
        } else if (type == BigInteger.class) {
            if (sqlType == Types.BIGINT) {
                long v = getLong(columnIndex);
                return wasNull() ? null : type.cast(BigInteger.valueOf(v));
            }
        } else if (type == Float.class) {
            if (sqlType == Types.REAL) {
                float v = getFloat(columnIndex);
                return wasNull() ? null : type.cast(v);
            }
        } else if (type == Double.class) {
            if (sqlType == Types.FLOAT || sqlType == Types.DOUBLE) {
                double v = getDouble(columnIndex);
                return wasNull() ? null : type.cast(v);
            }
        } else if (type == Date.class) {
            if (sqlType == Types.DATE)
                return type.cast(getDate(columnIndex));
        } else if (type == Time.class) {
            if (sqlType == Types.TIME)
                return type.cast(getTime(columnIndex));
        } else if (type == Timestamp.class) {
            if (sqlType == Types.TIMESTAMP || sqlType == Types.TIMESTAMP_WITH_TIMEZONE)
                return type.cast(getTimestamp(columnIndex));
        } else if (type == Calendar.class) {
            if (sqlType == Types.TIMESTAMP || sqlType == Types.TIMESTAMP_WITH_TIMEZONE) {
                Timestamp t = getTimestamp(columnIndex);
                if (t == null)
                    return null;
                Calendar calendar = Calendar.getInstance(calendar(null).getTimeZone());
                calendar.setTimeInMillis(t.getTime());
                return type.cast(calendar);
            }
        } else if (type == byte[].class) {
            if (sqlType == Types.BINARY || sqlType == Types.VARBINARY || sqlType == Types.LONGVARBINARY)
                return type.cast(getBytes(columnIndex));
        } else if (type == java.util.Date.class) {
            if (sqlType == Types.TIMESTAMP) {
                Timestamp t = getTimestamp(columnIndex);
                if (t == null)
                    return null;
                // getObject(i, java.util.Date.class) asks for that very type, as pgjdbc's does.
                @SuppressWarnings("JavaUtilDate")
                java.util.Date date = new java.util.Date(t.getTime());
                return type.cast(date);
            }
        } else if (type == UUID.class) {
            return type.cast(getObject(columnIndex));
        } else if (type == InetAddress.class) {
            String s = getString(columnIndex);
            if (s == null)
                return null;
            int slash = s.indexOf('/');
            try {
                return type.cast(InetAddress.getByName(slash < 0 ? s : s.substring(0, slash)));
            } catch (UnknownHostException e) {
                throw new PSQLException("Invalid Inet data.", PSQLState.INVALID_PARAMETER_VALUE, e);
            }
        } else if (type == LocalDate.class) {
            return type.cast(localDate(columnIndex, c));
        } else if (type == LocalTime.class) {
            String s = text(columnIndex);
            if (s == null)
                return null;
            if (c.oid() != OID_TIME)
                throw cannotConvert(c, "java.time.LocalTime");
            return type.cast(timestamps().toLocalTime(s));
        } else if (type == LocalDateTime.class) {
            String s = text(columnIndex);
            if (s == null)
                return null;
            if (c.oid() != OID_TIMESTAMP)
                throw cannotConvert(c, "java.time.LocalDateTime");
            return type.cast(timestamps().toLocalDateTime(s));
        } else if (type == OffsetDateTime.class) {
            return type.cast(offsetDateTime(columnIndex, c));
        } else if (type == OffsetTime.class) {
            String s = text(columnIndex);
            if (s == null)
                return null;
            if (c.oid() != OID_TIMETZ)
                throw cannotConvert(c, "java.time.OffsetTime");
            return type.cast(timestamps().toOffsetTime(s.getBytes(StandardCharsets.UTF_8)));
        } else if (PGobject.class.isAssignableFrom(type)) {
            return type.cast(pgObject(c, getString(columnIndex)));   // for NULL too: an object holding no value
        }
        throw notConvertible(type, c);
    }

    private @Nullable LocalDate localDate(int columnIndex, ColumnMeta c) throws SQLException {
        String s = text(columnIndex);
        if (s == null)
            return null;
        byte[] raw = s.getBytes(StandardCharsets.UTF_8);
        if (c.oid() == OID_DATE)
            return timestamps().toLocalDate(raw);
        if (c.oid() == OID_TIMESTAMP)
            return timestamps().toLocalDateTime(raw).toLocalDate();
        throw cannotConvert(c, "java.time.LocalDate");
    }

    private @Nullable OffsetDateTime offsetDateTime(int columnIndex, ColumnMeta c) throws SQLException {
        String s = text(columnIndex);
        if (s == null)
            return null;
        byte[] raw = s.getBytes(StandardCharsets.UTF_8);
        if (c.oid() == OID_TIMESTAMPTZ || c.oid() == OID_TIMESTAMP) {
            OffsetDateTime t = timestamps().toOffsetDateTime(raw);
            return t.equals(OffsetDateTime.MAX) || t.equals(OffsetDateTime.MIN) ? t : t.withOffsetSameInstant(ZoneOffset.UTC);
        }
        if (c.oid() == OID_TIMETZ)
            return timestamps().toOffsetDateTime(raw);
        throw cannotConvert(c, "java.time.OffsetDateTime");
    }

    // ---- getters by label: pgjdbc finds a label as given, in lower case, then in upper case -----

    @Override
    public int findColumn(String label) throws SQLException {
        Map<String, Integer> map = byLabel;
        if (map == null) {
            map = new java.util.HashMap<>();
            for (int i = columns.length - 1; i >= 0; i--)
                map.put(columns[i].label().toLowerCase(Locale.US), i + 1);
            byLabel = map;
        }
        Integer i = map.get(label);
        if (i == null)
            i = map.get(label.toLowerCase(Locale.US));
        if (i == null)
            i = map.get(label.toUpperCase(Locale.US));
        if (i == null)
            throw new PSQLException("The column name " + label + " was not found in this ResultSet.", PSQLState.UNDEFINED_COLUMN);
        return i;
    }

    @Override
    public @Nullable String getString(String label) throws SQLException {
        return getString(findColumn(label));
    }

    @Override
    public boolean getBoolean(String label) throws SQLException {
        return getBoolean(findColumn(label));
    }

    @Override
    public byte getByte(String label) throws SQLException {
        return getByte(findColumn(label));
    }

    @Override
    public short getShort(String label) throws SQLException {
        return getShort(findColumn(label));
    }

    @Override
    public int getInt(String label) throws SQLException {
        return getInt(findColumn(label));
    }

    @Override
    public long getLong(String label) throws SQLException {
        return getLong(findColumn(label));
    }

    @Override
    public float getFloat(String label) throws SQLException {
        return getFloat(findColumn(label));
    }

    @Override
    public double getDouble(String label) throws SQLException {
        return getDouble(findColumn(label));
    }

    @Override
    public @Nullable BigDecimal getBigDecimal(String label) throws SQLException {
        return getBigDecimal(findColumn(label));
    }

    @Override
    @Deprecated
    public @Nullable BigDecimal getBigDecimal(String label, int scale) throws SQLException {
        return getBigDecimal(findColumn(label), scale);
    }

    @Override
    public byte @Nullable [] getBytes(String label) throws SQLException {
        return getBytes(findColumn(label));
    }

    @Override
    public @Nullable Date getDate(String label) throws SQLException {
        return getDate(findColumn(label));
    }

    @Override
    public @Nullable Date getDate(String label, @Nullable Calendar cal) throws SQLException {
        return getDate(findColumn(label), cal);
    }

    @Override
    public @Nullable Time getTime(String label) throws SQLException {
        return getTime(findColumn(label));
    }

    @Override
    public @Nullable Time getTime(String label, @Nullable Calendar cal) throws SQLException {
        return getTime(findColumn(label), cal);
    }

    @Override
    public @Nullable Timestamp getTimestamp(String label) throws SQLException {
        return getTimestamp(findColumn(label));
    }

    @Override
    public @Nullable Timestamp getTimestamp(String label, @Nullable Calendar cal) throws SQLException {
        return getTimestamp(findColumn(label), cal);
    }

    @Override
    public @Nullable Object getObject(String label) throws SQLException {
        return getObject(findColumn(label));
    }

    @Override
    public <T> @Nullable T getObject(String label, Class<T> type) throws SQLException {
        return getObject(findColumn(label), type);
    }

    @Override
    public ResultSetMetaData getMetaData() {
        return new CachedMetaData(columns);
    }
}
