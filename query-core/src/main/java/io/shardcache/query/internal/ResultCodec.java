package io.shardcache.query.internal;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.Time;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.jooq.DSLContext;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.JSON;
import org.jooq.JSONB;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.jooq.impl.DefaultDataType;
import org.jooq.impl.SQLDataType;
import org.jooq.types.UByte;
import org.jooq.types.UInteger;
import org.jooq.types.ULong;
import org.jooq.types.UShort;
import org.jspecify.annotations.Nullable;

/**
 * The cached form of a SQL read: a jOOQ {@code Result<Record>} as compact, versioned bytes. Never Java
 * serialization, and nothing in the bytes names a Java class: every value class is one of a closed set of
 * tags, and every data type is rebuilt from its SQL type name through jOOQ's own type registry.
 *
 * <h2>Format (version 1)</h2>
 * All integers are unsigned LEB128 varints unless said otherwise; "zz" marks zigzag-encoded signed varints;
 * strings are a varint byte length and UTF-8.
 * <pre>
 * entry   = version:u8  headerLength:varint  header  rowCount:varint  row*
 * header  = columnCount:varint  column*                (headerLength counts these bytes)
 * column  = partCount:varint  part:string*             the field's qualified name, e.g. "t"."id"
 *           kind:u8                                    tag of the values (below) | 0x40 when an array
 *           flags:u8                                   1 precision, 2 scale, 4 length defined; 8 dialect type
 *           typeName:string                            DataType.getTypeName() (of the component, for arrays)
 *           [precision:zz] [scale:zz] [length:zz]      each present when its flag is
 * row     = nullBitmap  value*                         bitmap: max(1, ceil(columns/8)) bytes, bit i (LSB first)
 *                                                      set = column i is null; one value per non-null column
 * array   = length:varint  nullBitmap(ceil(length/8))  element*  (elements of Object[] are tagged)
 * </pre>
 * Value tags and encodings: 1 Boolean (u8 0/1), 2 Byte (u8), 3 Short, 4 Integer, 5 Long (zz), 6 Float,
 * 7 Double (IEEE bits, 4/8 bytes big-endian), 8 BigDecimal (scale:zz, then n:varint; n = 0: unscaled:zz,
 * else n bytes of two's complement), 9 BigInteger (n:varint, n bytes), 10 String, 11 byte[] (length, bytes),
 * 12 LocalDate (epochDay:zz), 13 LocalTime (nanoOfDay), 14 LocalDateTime (both), 15 OffsetDateTime
 * (local date-time, offsetSeconds:zz), 16 OffsetTime, 17 Instant (seconds:zz, nanos), 18 UUID (16 bytes),
 * 19 JSON, 20 JSONB (their text), 21 java.sql.Date, 22 java.sql.Time, 23 java.sql.Timestamp (mode:u8, then
 * 0: the wall-clock value as 12/millisOfDay/14, or 1: the instant as millis:zz, or seconds:zz + nanos for
 * Timestamp), 24 UByte (u8), 25 UShort, 26 UInteger, 27 ULong (raw bits), 63 Object: each non-null value
 * is preceded by its own tag (|0x40 for an array). Tag 0 marks a column whose type has no codec and whose
 * values are all null: only its type is kept.
 *
 * <h2>Decisions and invariants</h2>
 * <ul>
 * <li>Type fidelity. The decoder rebuilds each DataType from its name the way jOOQ infers types from JDBC
 * metadata (the POSTGRES registry, then its SQLDataType), falling back to the SQLDataType of the value tag
 * when the registry's Java type differs (e.g. "date" means java.sql.Date there, LocalDate under
 * javaTimeTypes), then re-applies precision, scale and length. {@link #encode} runs the same rebuild and
 * refuses a column whose rebuilt type is not {@code equals} to the original (same cast type name too), so a
 * decoded result reports exactly the metadata the live one did, or it is not cached at all.</li>
 * <li>Value fidelity. Every value comes back equal and of the identical class; a typed column's values
 * must have exactly the column's class. java.sql date/time values are stored as wall-clock values (what
 * pgjdbc built them from) when that round trip is exact in the encoding JVM, else as instants; so a decode
 * in a JVM with another default time zone yields what a live query there would.</li>
 * <li>Safety. Every count and length is checked against the bytes left before anything is allocated; a
 * row costs at least one byte, so no input makes the decoder allocate more than a small multiple of its
 * size. Bad input of any kind raises {@link MalformedEntryException}; so does, as a last resort, an
 * unexpected runtime exception, because an undecodable entry must be a miss, never a failed query.</li>
 * <li>Speed on a hit. The header's bytes key a bounded cache of the decoded fields, so a hit on a known
 * query shape decodes no names and resolves no types; a shared POSTGRES configuration builds the records.</li>
 * </ul>
 * Thread-safe: stateless apart from two bounded concurrent caches of immutable values.
 */
public final class ResultCodec {

    /** The format version; part of every cache key. Bump on any change to the bytes or their meaning. */
    public static final int VERSION = 2;

    private static final int ARRAY = 0x40;
    private static final int KIND_MASK = 0x3F;
    private static final int PRECISION = 1, SCALE = 2, LENGTH = 4, DIALECT = 8, META = 16;
    private static final int MAX_COLUMNS = 1 << 16;          // PostgreSQL allows 1664
    private static final int MAX_NAME_PARTS = 8;             // catalog.schema.table.column needs 4
    private static final int CACHE_LIMIT = 4096;             // per cache; a full cache starts over
    private static final int MAX_OFFSET_SECONDS = 18 * 3600;
    private static final long NANOS_PER_DAY = 86_400_000_000_000L;

    // Creating a configuration costs more than decoding a small result; records only need one to exist.
    private static final DSLContext CTX = DSL.using(SQLDialect.POSTGRES);
    private static final ConcurrentHashMap<TypeKey, DataType<?>> TYPES = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<HeaderKey, Header> HEADERS = new ConcurrentHashMap<>();

    private ResultCodec() {
    }

    // ------------------------------------------------------------------------------------------------
    // Encoding
    // ------------------------------------------------------------------------------------------------

    /**
     * Encodes a result. Fails, and nothing should be cached, when a value or a column type has no exact
     * representation; the exception names the column, its type name and the offending Java class.
     */
    public static byte[] encode(Result<? extends Record> result) throws UnsupportedValueException {
        Field<?>[] fields = result.fields();
        int n = fields.length;
        Plan[] plans = new Plan[n];
        for (int i = 0; i < n; i++)
            plans[i] = plan(fields[i], i, result);

        int bitmapBytes = bitmapBytes(n);
        ByteSink out = new ByteSink((int) Math.min(1 << 16, 16L + 32L * n + (long) result.size() * (bitmapBytes + 6L * n)));
        out.writeByte(VERSION);
        int headerStart = out.pos;
        out.writeVarInt(n);
        for (Plan p : plans)
            p.writeDescriptor(out);
        out.prefixLength(headerStart);

        out.writeVarInt(result.size());
        for (Record r : result) {
            int bitmap = out.reserve(bitmapBytes);
            for (int i = 0; i < n; i++) {
                Object v = r.get(i);
                if (v == null)
                    out.buf[bitmap + (i >>> 3)] |= (byte) (1 << (i & 7));
                else
                    plans[i].write(out, v);
            }
        }
        return out.toByteArray();
    }

    /** How one column is written; checked once per encode, before any value. */
    private record Plan(String label, String typeName, String[] name, Kind kind, boolean array,
                        Class<?> valueClass, TypeKey type, @Nullable ColumnMeta meta) {

        void writeDescriptor(ByteSink out) throws UnsupportedValueException {
            try {
                out.writeVarInt(name.length);
                for (String part : name)
                    out.writeString(part);
                out.writeByte(kind.code | (array ? ARRAY : 0));
                out.writeByte(type.flags | (meta != null ? META : 0));
                out.writeString(type.typeName);
                if (meta != null)
                    writeMeta(out, meta);
            } catch (Unencodable e) {
                throw new UnsupportedValueException(label, typeName, valueClass, "name: " + e.getMessage());
            }
            if ((type.flags & PRECISION) != 0)
                out.writeZigZag(type.precision);
            if ((type.flags & SCALE) != 0)
                out.writeZigZag(type.scale);
            if ((type.flags & LENGTH) != 0)
                out.writeZigZag(type.length);
        }

        void write(ByteSink out, Object v) throws UnsupportedValueException {
            try {
                if (kind == Kind.OBJECT && !array)
                    writeTagged(out, v);
                else if (v.getClass() != valueClass)
                    throw new Unencodable("the column's values must be exactly " + valueClass.getName());
                else if (array)
                    writeArray(out, kind, (Object[]) v);
                else
                    writeScalar(out, kind, v);
            } catch (Unencodable e) {
                throw new UnsupportedValueException(label, typeName, v.getClass(), e.getMessage());
            }
        }
    }

    private static Plan plan(Field<?> field, int index, Result<? extends Record> result)
            throws UnsupportedValueException {
        DataType<?> type = field.getDataType();
        Class<?> javaType = type.getType();
        String label = field.getQualifiedName().toString();
        DataType<?> described = type;
        Kind kind;
        boolean array = false;
        if (javaType == byte[].class || !javaType.isArray()) {
            kind = Kind.of(javaType);
        } else {
            DataType<?> component = type.getArrayComponentDataType();
            kind = component == null || component.getType() != javaType.getComponentType()
                    ? null : Kind.of(javaType.getComponentType());
            if (component != null) {
                described = component;
                array = true;
            }
        }
        if (kind == null) {
            for (Record r : result) {
                Object v = r.get(index);
                if (v != null)
                    throw new UnsupportedValueException(label, type.getTypeName(), v.getClass(), "no codec for its class");
            }
            kind = Kind.NONE;               // nothing to store but the type
        }
        int flags = (described.precisionDefined() ? PRECISION : 0) | (described.scaleDefined() ? SCALE : 0)
                | (described.lengthDefined() ? LENGTH : 0) | (described.getDialect() != null ? DIALECT : 0);
        TypeKey key = new TypeKey(described.getTypeName(), kind, array, flags,
                (flags & PRECISION) != 0 ? described.precision() : 0, (flags & SCALE) != 0 ? described.scale() : 0,
                (flags & LENGTH) != 0 ? described.length() : 0);
        DataType<?> rebuilt = dataType(key);
        if (!sameType(rebuilt, type))
            throw new UnsupportedValueException(label, type.getTypeName(), javaType,
                    "its data type " + describe(type) + " would decode as " + describe(rebuilt));
        return new Plan(label, type.getTypeName(), field.getQualifiedName().getName(), kind, array, javaType, key,
            field instanceof ColumnField c ? c.meta : null);
    }

    private static void writeMeta(ByteSink out, ColumnMeta m) throws Unencodable {
        out.writeVarLong(Integer.toUnsignedLong(m.oid()));
        out.writeString(m.pgType());
        out.writeString(m.label());
        out.writeString(m.name());
        out.writeString(m.table());
        out.writeString(m.schema());
        out.writeString(m.catalog());
        out.writeZigZag(m.sqlType());
        out.writeString(m.typeName());
        out.writeZigZag(m.precision());
        out.writeZigZag(m.scale());
        out.writeZigZag(m.nullable());
        out.writeZigZag(m.displaySize());
        out.writeString(m.className());
        out.writeByte((m.signed() ? 1 : 0) | (m.autoIncrement() ? 2 : 0) | (m.caseSensitive() ? 4 : 0) | (m.currency() ? 8 : 0)
            | (m.searchable() ? 16 : 0) | (m.readOnly() ? 32 : 0) | (m.writable() ? 64 : 0) | (m.definitelyWritable() ? 128 : 0));
    }

    private static ColumnMeta readMeta(ByteSource in) throws MalformedEntryException {
        int at = in.pos;
        long oid = in.readVarLong();
        if (oid < 0 || oid > 0xFFFF_FFFFL)
            throw in.malformedAt(at, "type oid " + oid);
        String pgType = in.readString(), label = in.readString(), name = in.readString(), table = in.readString(),
            schema = in.readString(), catalog = in.readString();
        int sqlType = in.readZigZagInt();
        String typeName = in.readString();
        int precision = in.readZigZagInt(), scale = in.readZigZagInt(), nullable = in.readZigZagInt(), displaySize = in.readZigZagInt();
        String className = in.readString();
        int b = in.readByte();
        return new ColumnMeta((int) oid, pgType, label, name, table, schema, catalog, sqlType, typeName, precision, scale, nullable,
            (b & 1) != 0, (b & 2) != 0, (b & 4) != 0, (b & 8) != 0, displaySize, className, (b & 16) != 0, (b & 32) != 0,
            (b & 64) != 0, (b & 128) != 0);
    }

    private static boolean sameType(@Nullable DataType<?> a, DataType<?> b) {
        if (a == null || !a.equals(b) || a.getType() != b.getType() || !a.getCastTypeName().equals(b.getCastTypeName()))
            return false;
        return !a.isArray() || Objects.equals(a.getArrayComponentDataType(), b.getArrayComponentDataType());
    }

    private static String describe(@Nullable DataType<?> t) {
        return t == null ? "nothing (unknown type name)" : t.getCastTypeName() + " (" + t.getType().getName() + ")";
    }

    private static void writeTagged(ByteSink out, Object v) throws Unencodable {
        Class<?> c = v.getClass();
        Kind k = Kind.of(c);
        if (k != null && k != Kind.OBJECT) {
            out.writeByte(k.code);
            writeScalar(out, k, v);
        } else if (c.isArray() && (k = Kind.of(c.getComponentType())) != null) {
            out.writeByte(k.code | ARRAY);
            writeArray(out, k, (Object[]) v);
        } else {
            throw new Unencodable("no codec for its class");
        }
    }

    private static void writeArray(ByteSink out, Kind component, Object[] a) throws Unencodable {
        out.writeVarInt(a.length);
        int bitmap = out.reserve((a.length + 7) >>> 3);
        for (int i = 0; i < a.length; i++) {
            Object e = a[i];
            if (e == null) {
                out.buf[bitmap + (i >>> 3)] |= (byte) (1 << (i & 7));
            } else if (component == Kind.OBJECT) {
                Kind k = Kind.of(e.getClass());
                if (k == null || k == Kind.OBJECT)
                    throw new Unencodable("element " + i + " is a " + e.getClass().getName() + " (only flat arrays of supported classes)");
                out.writeByte(k.code);
                writeScalar(out, k, e);
            } else if (e.getClass() != component.type) {
                throw new Unencodable("element " + i + " is a " + e.getClass().getName());
            } else {
                writeScalar(out, component, e);
            }
        }
    }

    private static void writeScalar(ByteSink out, Kind k, Object v) throws Unencodable {
        switch (k) {
            case BOOLEAN -> out.writeByte((Boolean) v ? 1 : 0);
            case BYTE -> out.writeByte((Byte) v);
            case SHORT -> out.writeZigZag((Short) v);
            case INT -> out.writeZigZag((Integer) v);
            case LONG -> out.writeZigZag((Long) v);
            case FLOAT -> out.writeInt(Float.floatToRawIntBits((Float) v));
            case DOUBLE -> out.writeLong(Double.doubleToRawLongBits((Double) v));
            case DECIMAL -> {
                BigDecimal d = (BigDecimal) v;
                BigInteger unscaled = d.unscaledValue();
                out.writeZigZag(d.scale());
                if (unscaled.bitLength() < 64) {
                    out.writeVarInt(0);
                    out.writeZigZag(unscaled.longValue());
                } else {
                    out.writeBytes(unscaled.toByteArray());
                }
            }
            case BIG_INTEGER -> out.writeBytes(((BigInteger) v).toByteArray());
            case STRING -> out.writeString((String) v);
            case BYTES -> out.writeBytes((byte[]) v);
            case LOCAL_DATE -> out.writeZigZag(((LocalDate) v).toEpochDay());
            case LOCAL_TIME -> out.writeVarLong(((LocalTime) v).toNanoOfDay());
            case LOCAL_DATE_TIME -> writeLocalDateTime(out, (LocalDateTime) v);
            case OFFSET_DATE_TIME -> {
                OffsetDateTime t = (OffsetDateTime) v;
                writeLocalDateTime(out, t.toLocalDateTime());
                out.writeZigZag(t.getOffset().getTotalSeconds());
            }
            case OFFSET_TIME -> {
                OffsetTime t = (OffsetTime) v;
                out.writeVarLong(t.toLocalTime().toNanoOfDay());
                out.writeZigZag(t.getOffset().getTotalSeconds());
            }
            case INSTANT -> {
                Instant t = (Instant) v;
                out.writeZigZag(t.getEpochSecond());
                out.writeVarInt(t.getNano());
            }
            case UUID -> {
                out.writeLong(((UUID) v).getMostSignificantBits());
                out.writeLong(((UUID) v).getLeastSignificantBits());
            }
            case JSON -> out.writeString(((JSON) v).data());
            case JSONB -> out.writeString(((JSONB) v).data());
            case SQL_DATE -> {
                java.sql.Date d = (java.sql.Date) v;
                LocalDate local = d.toLocalDate();
                if (java.sql.Date.valueOf(local).getTime() == d.getTime()) {
                    out.writeByte(0);
                    out.writeZigZag(local.toEpochDay());
                } else {
                    out.writeByte(1);
                    out.writeZigZag(d.getTime());
                }
            }
            case SQL_TIME -> {
                Time t = (Time) v;
                long sub = t.getTime() - Time.valueOf(t.toLocalTime()).getTime();
                int millisOfDay = t.toLocalTime().toSecondOfDay() * 1000 + (int) sub;
                if (sub >= 0 && sub < 1000 && timeOfDay(millisOfDay).getTime() == t.getTime()) {
                    out.writeByte(0);
                    out.writeVarInt(millisOfDay);
                } else {
                    out.writeByte(1);
                    out.writeZigZag(t.getTime());
                }
            }
            case SQL_TIMESTAMP -> {
                Timestamp t = (Timestamp) v;
                LocalDateTime local = t.toLocalDateTime();
                if (Timestamp.valueOf(local).equals(t)) {
                    out.writeByte(0);
                    writeLocalDateTime(out, local);
                } else {
                    out.writeByte(1);
                    out.writeZigZag(Math.floorDiv(t.getTime(), 1000L));
                    out.writeVarInt(t.getNanos());
                }
            }
            case UBYTE -> out.writeByte(((UByte) v).intValue());
            case USHORT -> out.writeVarInt(((UShort) v).intValue());
            case UINTEGER -> out.writeVarLong(((UInteger) v).longValue());
            case ULONG -> out.writeVarLong(((ULong) v).longValue());
            case NONE, OBJECT -> throw new Unencodable("no codec for its class");
        }
    }

    private static void writeLocalDateTime(ByteSink out, LocalDateTime t) {
        out.writeZigZag(t.toLocalDate().toEpochDay());
        out.writeVarLong(t.toLocalTime().toNanoOfDay());
    }

    private static Time timeOfDay(int millisOfDay) {
        return new Time(Time.valueOf(LocalTime.ofSecondOfDay(millisOfDay / 1000)).getTime() + millisOfDay % 1000);
    }

    // ------------------------------------------------------------------------------------------------
    // Decoding
    // ------------------------------------------------------------------------------------------------

    /** Decodes what {@link #encode} wrote; every record is unchanged, as if fetched. */
    public static Result<Record> decode(byte[] bytes) throws MalformedEntryException {
        return decode(bytes, 0, bytes.length);
    }

    /** Decodes {@code len} bytes from {@code off}; offsets in error messages count from {@code off}. */
    public static Result<Record> decode(byte[] bytes, int off, int len) throws MalformedEntryException {
        return decode(bytes, off, len, null);
    }

    /**
     * The records a query builds, straight from the bytes, for prepared reads, which would otherwise
     * build every row twice: each row is {@link #newRecord()}, its values {@link #convert}ed.
     */
    interface Target {
        Record newRecord();

        Field<?>[] fields();

        Result<Record> newResult();

        /** The value to set for a cached database value ({@code null} for NULL). */
        @Nullable Object convert(int column, @Nullable Object value);

        /** Whether NULL must be converted too (a converter may map it to something else). */
        boolean convertsNull(int column);
    }

    /** As {@link #decode(byte[], int, int)}, into {@code target}'s records when it is not null. */
    static Result<Record> decode(byte[] bytes, int off, int len, @Nullable Target target) throws MalformedEntryException {
        Objects.checkFromIndexSize(off, len, bytes.length);
        ByteSource in = new ByteSource(bytes, off, off + len);
        try {
            return decode(in, target);
        } catch (RuntimeException e) {
            // Not expected (every check above is explicit), but a bug or a jOOQ upgrade must turn a hit
            // into a miss, not into a failed query.
            throw in.malformed("unexpected " + e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Result<Record> decode(ByteSource in, @Nullable Target target) throws MalformedEntryException {
        int version = in.readByte();
        if (version != VERSION)
            throw new MalformedEntryException("codec version " + version + ", this build reads " + VERSION, 0);
        Header header = header(in);
        Field<?>[] fields = header.fields;
        Column[] columns = header.columns;
        int n = fields.length;
        int bitmapBytes = bitmapBytes(n);
        int at = in.pos;
        int rows = in.readVarInt();
        if (rows < 0 || rows > in.remaining() / bitmapBytes)
            throw in.malformedAt(at, "row count " + Integer.toUnsignedString(rows) + " for " + in.remaining() + " bytes left");

        if (target != null && target.fields().length != n)
            throw in.malformed("the entry has " + n + " columns, the query " + target.fields().length);
        Field<?>[] into = target == null ? fields : target.fields();
        Result<Record> result = target == null ? CTX.newResult(fields) : target.newResult();
        for (int r = 0; r < rows; r++) {
            int bitmap = in.skip(bitmapBytes);
            Record record = target == null ? header.template.original() : target.newRecord();
            for (int i = 0; i < n; i++) {
                if ((in.buf[bitmap + (i >>> 3)] & (1 << (i & 7))) == 0) {
                    Object v = readValue(in, columns[i]);
                    record.set((Field<Object>) into[i], target == null ? v : target.convert(i, v));
                } else if (target != null && target.convertsNull(i)) {
                    record.set((Field<Object>) into[i], target.convert(i, null));
                }
            }
            checkPadding(in, bitmap, n);
            record.changed(false);
            result.add(record);
        }
        if (in.remaining() != 0)
            throw in.malformed(in.remaining() + " bytes after the last row");
        return result;
    }

    private record Column(Kind kind, boolean array) {
    }

    /**
     * A parsed header, cached across entries of the same shape. {@code template} is an empty record
     * of its fields: copying it ({@link Record#original()}) shares the fields' row, where
     * {@code newRecord(fields)} would build the row again for every record of every hit.
     */
    private record Header(Field<?>[] fields, Column[] columns, Record template) {
        Header(Field<?>[] fields, Column[] columns) {
            this(fields, columns, CTX.newRecord(fields));
        }
    }

    /** The cached header for these bytes, or a freshly parsed one. */
    private static Header header(ByteSource in) throws MalformedEntryException {
        int length = in.readLength("header length");
        HeaderKey key = new HeaderKey(in.buf, in.pos, in.pos + length);
        Header header = HEADERS.get(key);
        if (header != null) {
            in.pos += length;
            return header;
        }
        header = parseHeader(in, in.pos + length);
        if (HEADERS.size() >= CACHE_LIMIT)
            HEADERS.clear();
        HEADERS.putIfAbsent(key.copy(), header);
        return header;
    }

    private static Header parseHeader(ByteSource in, int end) throws MalformedEntryException {
        int at = in.pos;
        int n = in.readVarInt();
        if (n < 0 || n > MAX_COLUMNS || n > end - in.pos)
            throw in.malformedAt(at, "column count " + Integer.toUnsignedString(n));
        Field<?>[] fields = new Field<?>[n];
        Column[] columns = new Column[n];
        for (int i = 0; i < n; i++) {
            at = in.pos;
            int parts = in.readVarInt();
            if (parts < 0 || parts > MAX_NAME_PARTS)
                throw in.malformedAt(at, "column " + i + " has a name of " + Integer.toUnsignedString(parts) + " parts");
            String[] name = new String[parts];
            for (int j = 0; j < parts; j++)
                name[j] = in.readString();
            at = in.pos;
            int tag = in.readByte();
            Kind kind = Kind.byCode(tag & KIND_MASK);
            if (kind == null || (tag & ~(KIND_MASK | ARRAY)) != 0)
                throw in.malformedAt(at, "column " + i + " has kind tag " + tag);
            int flags = in.readByte();
            if ((flags & ~(PRECISION | SCALE | LENGTH | DIALECT | META)) != 0)
                throw in.malformedAt(at + 1, "column " + i + " has type flags " + flags);
            at = in.pos;
            String typeName = in.readString();
            ColumnMeta meta = (flags & META) != 0 ? readMeta(in) : null;
            flags &= ~META;
            int precision = (flags & PRECISION) != 0 ? in.readZigZagInt() : 0;
            int scale = (flags & SCALE) != 0 ? in.readZigZagInt() : 0;
            int length = (flags & LENGTH) != 0 ? in.readZigZagInt() : 0;
            boolean array = (tag & ARRAY) != 0;
            DataType<?> type = dataType(new TypeKey(typeName, kind, array, flags, precision, scale, length));
            if (type == null)
                throw in.malformedAt(at, "column " + i + " has unknown type " + typeName);
            if (meta != null && (kind != Kind.STRING || array))
                throw in.malformedAt(at, "column " + i + " has driver metadata but values of kind " + kind);
            fields[i] = meta != null ? new ColumnField(meta) : DSL.field(DSL.name(name), type);
            columns[i] = new Column(kind, array);
        }
        if (in.pos != end)
            throw in.malformed("header ends here, its length says at " + (end - in.base));
        return new Header(fields, columns);
    }

    private static Object readValue(ByteSource in, Column c) throws MalformedEntryException {
        if (c.kind == Kind.NONE)
            throw in.malformed("a value in a column that has none");
        if (c.array)
            return readArray(in, c.kind);
        if (c.kind == Kind.OBJECT)
            return readTagged(in);
        return readScalar(in, c.kind);
    }

    private static Object readTagged(ByteSource in) throws MalformedEntryException {
        int at = in.pos;
        int tag = in.readByte();
        Kind k = Kind.byCode(tag & KIND_MASK);
        if (k == null || k == Kind.NONE || (tag & ~(KIND_MASK | ARRAY)) != 0 || (k == Kind.OBJECT && (tag & ARRAY) == 0))
            throw in.malformedAt(at, "bad value tag " + tag);
        return (tag & ARRAY) != 0 ? readArray(in, k) : readScalar(in, k);
    }

    private static Object[] readArray(ByteSource in, Kind component) throws MalformedEntryException {
        int at = in.pos;
        int n = in.readVarInt();
        if (n < 0 || (n + 7L) >>> 3 > in.remaining())
            throw in.malformedAt(at, "array length " + Integer.toUnsignedString(n) + " for " + in.remaining() + " bytes left");
        int bitmap = in.skip((n + 7) >>> 3);
        Object[] a = (Object[]) Array.newInstance(component.type, n);
        for (int i = 0; i < n; i++) {
            if ((in.buf[bitmap + (i >>> 3)] & (1 << (i & 7))) != 0)
                continue;
            if (component != Kind.OBJECT) {
                a[i] = readScalar(in, component);
            } else {
                at = in.pos;
                int tag = in.readByte();
                Kind k = Kind.byCode(tag);
                if (k == null || k == Kind.NONE || k == Kind.OBJECT)
                    throw in.malformedAt(at, "bad element tag " + tag);
                a[i] = readScalar(in, k);
            }
        }
        checkPadding(in, bitmap, n);
        return a;
    }

    /** One value; range errors point at its first byte. */
    private static Object readScalar(ByteSource in, Kind k) throws MalformedEntryException {
        int at = in.pos;
        return switch (k) {
            case BOOLEAN -> switch (in.readByte()) {
                case 0 -> Boolean.FALSE;
                case 1 -> Boolean.TRUE;
                default -> throw in.malformedAt(at, "boolean byte");
            };
            case BYTE -> (byte) in.readByte();
            case SHORT -> {
                int v = in.readZigZagInt();
                if (v != (short) v)
                    throw in.malformedAt(at, "short value " + v);
                yield (short) v;
            }
            case INT -> in.readZigZagInt();
            case LONG -> in.readZigZagLong();
            case FLOAT -> Float.intBitsToFloat(in.readInt());
            case DOUBLE -> Double.longBitsToDouble(in.readLong());
            case DECIMAL -> {
                int scale = in.readZigZagInt();
                int n = in.readLength("decimal length");
                yield n == 0 ? BigDecimal.valueOf(in.readZigZagLong(), scale) : new BigDecimal(in.readBigInteger(n), scale);
            }
            case BIG_INTEGER -> {
                int n = in.readLength("integer length");
                if (n == 0)
                    throw in.malformedAt(at, "integer of no bytes");
                yield in.readBigInteger(n);
            }
            case STRING -> in.readString();
            case BYTES -> {
                int n = in.readLength("byte[] length");
                int from = in.skip(n);
                yield Arrays.copyOfRange(in.buf, from, from + n);
            }
            case LOCAL_DATE -> readLocalDate(in);
            case LOCAL_TIME -> readLocalTime(in);
            case LOCAL_DATE_TIME -> LocalDateTime.of(readLocalDate(in), readLocalTime(in));
            case OFFSET_DATE_TIME -> OffsetDateTime.of(LocalDateTime.of(readLocalDate(in), readLocalTime(in)), readOffset(in));
            case OFFSET_TIME -> OffsetTime.of(readLocalTime(in), readOffset(in));
            case INSTANT -> {
                long seconds = in.readZigZagLong();
                int nanos = readNanos(in);
                if (seconds < Instant.MIN.getEpochSecond() || seconds > Instant.MAX.getEpochSecond())
                    throw in.malformedAt(at, "instant seconds " + seconds);
                yield Instant.ofEpochSecond(seconds, nanos);
            }
            case UUID -> new UUID(in.readLong(), in.readLong());
            case JSON -> org.jooq.JSON.valueOf(in.readString());
            case JSONB -> org.jooq.JSONB.valueOf(in.readString());
            case SQL_DATE -> readMode(in) == 0 ? java.sql.Date.valueOf(readLocalDate(in)) : new java.sql.Date(in.readZigZagLong());
            case SQL_TIME -> {
                if (readMode(in) == 1)
                    yield new Time(in.readZigZagLong());
                int millisOfDay = in.readVarInt();
                if (millisOfDay < 0 || millisOfDay >= 86_400_000)
                    throw in.malformedAt(at, "millis of day " + millisOfDay);
                yield timeOfDay(millisOfDay);
            }
            case SQL_TIMESTAMP -> {
                if (readMode(in) == 0)
                    yield Timestamp.valueOf(LocalDateTime.of(readLocalDate(in), readLocalTime(in)));
                long seconds = in.readZigZagLong();
                int nanos = readNanos(in);
                if (Math.abs(seconds) > Long.MAX_VALUE / 1000 - 1)
                    throw in.malformedAt(at, "timestamp seconds " + seconds);
                Timestamp t = new Timestamp(seconds * 1000);
                t.setNanos(nanos);
                yield t;
            }
            case UBYTE -> UByte.valueOf((byte) in.readByte());
            case USHORT -> {
                int v = in.readVarInt();
                if (v < 0 || v > 0xFFFF)
                    throw in.malformedAt(at, "unsigned short " + v);
                yield UShort.valueOf(v);
            }
            case UINTEGER -> {
                long v = in.readVarLong();
                if (v < 0 || v > 0xFFFF_FFFFL)
                    throw in.malformedAt(at, "unsigned int " + v);
                yield UInteger.valueOf(v);
            }
            case ULONG -> ULong.valueOf(in.readVarLong());
            case NONE, OBJECT -> throw in.malformedAt(at, "no scalar of kind " + k);
        };
    }

    private static LocalDate readLocalDate(ByteSource in) throws MalformedEntryException {
        int at = in.pos;
        long day = in.readZigZagLong();
        if (day < LocalDate.MIN.toEpochDay() || day > LocalDate.MAX.toEpochDay())
            throw in.malformedAt(at, "epoch day " + day);
        return LocalDate.ofEpochDay(day);
    }

    private static LocalTime readLocalTime(ByteSource in) throws MalformedEntryException {
        int at = in.pos;
        long nanos = in.readVarLong();
        if (nanos < 0 || nanos >= NANOS_PER_DAY)
            throw in.malformedAt(at, "nano of day " + nanos);
        return LocalTime.ofNanoOfDay(nanos);
    }

    private static ZoneOffset readOffset(ByteSource in) throws MalformedEntryException {
        int at = in.pos;
        int seconds = in.readZigZagInt();
        if (Math.abs(seconds) > MAX_OFFSET_SECONDS)
            throw in.malformedAt(at, "zone offset " + seconds + "s");
        return ZoneOffset.ofTotalSeconds(seconds);
    }

    private static int readNanos(ByteSource in) throws MalformedEntryException {
        int at = in.pos;
        int nanos = in.readVarInt();
        if (nanos < 0 || nanos > 999_999_999)
            throw in.malformedAt(at, "nanos " + nanos);
        return nanos;
    }

    private static int readMode(ByteSource in) throws MalformedEntryException {
        int at = in.pos;
        int mode = in.readByte();
        if (mode > 1)
            throw in.malformedAt(at, "date/time mode " + mode);
        return mode;
    }

    private static void checkPadding(ByteSource in, int bitmap, int bits) throws MalformedEntryException {
        if ((bits & 7) != 0 && (in.buf[bitmap + (bits >>> 3)] & 0xFF) >>> (bits & 7) != 0)
            throw new MalformedEntryException("null bitmap has bits beyond its " + bits + " entries", bitmap - in.base);
    }

    private static int bitmapBytes(int columns) {
        // At least one byte, so that every row costs a byte and a row count is bounded by the input.
        return Math.max(1, (columns + 7) >>> 3);
    }

    // ------------------------------------------------------------------------------------------------
    // Types
    // ------------------------------------------------------------------------------------------------

    /** What the bytes say about a column's type; the key of the resolution cache. */
    private record TypeKey(String typeName, Kind kind, boolean array, int flags, int precision, int scale, int length) {
    }

    private static @Nullable DataType<?> dataType(TypeKey key) {
        DataType<?> t = TYPES.get(key);
        if (t == null && (t = resolve(key)) != null) {
            if (TYPES.size() >= CACHE_LIMIT)
                TYPES.clear();
            TYPES.putIfAbsent(key, t);
        }
        return t;
    }

    /**
     * Rebuilds a data type as jOOQ's metadata inference would have built it: the registry's type for the
     * name (its SQLDataType, unless the original was dialect-specific), or the value tag's SQLDataType when
     * the registry's Java type is another; then precision, scale and length. Null when nothing fits.
     */
    private static @Nullable DataType<?> resolve(TypeKey k) {
        DataType<?> t = registered(k.typeName);
        if (t != null && (k.flags & DIALECT) == 0 && t.getSQLDataType() != null)
            t = t.getSQLDataType();
        if (k.kind != Kind.NONE && (t == null || t.getType() != k.kind.type))
            t = k.kind.fallback;
        if (t == null)
            return null;
        boolean p = (k.flags & PRECISION) != 0, s = (k.flags & SCALE) != 0;
        if (p && s)
            t = t.precision(k.precision, k.scale);
        else if (p)
            t = t.precision(k.precision);
        else if (s)
            t = t.scale(k.scale);
        if ((k.flags & LENGTH) != 0)
            t = t.length(k.length);
        return k.array ? t.getArrayDataType() : t;
    }

    private static @Nullable DataType<?> registered(String typeName) {
        if (typeName.isEmpty())
            return null;
        try {
            return DefaultDataType.getDataType(SQLDialect.POSTGRES, typeName);
        } catch (RuntimeException unknownOrUnparsable) {  // SQLDialectNotSupportedException, mostly
            return null;
        }
    }

    /** The closed set of value classes; codes are part of the format. */
    private enum Kind {
        NONE(0, Void.class, null),
        BOOLEAN(1, Boolean.class, SQLDataType.BOOLEAN),
        BYTE(2, Byte.class, SQLDataType.TINYINT),
        SHORT(3, Short.class, SQLDataType.SMALLINT),
        INT(4, Integer.class, SQLDataType.INTEGER),
        LONG(5, Long.class, SQLDataType.BIGINT),
        FLOAT(6, Float.class, SQLDataType.REAL),
        DOUBLE(7, Double.class, SQLDataType.DOUBLE),
        DECIMAL(8, BigDecimal.class, SQLDataType.NUMERIC),
        BIG_INTEGER(9, BigInteger.class, SQLDataType.DECIMAL_INTEGER),
        STRING(10, String.class, SQLDataType.VARCHAR),
        BYTES(11, byte[].class, SQLDataType.BLOB),
        LOCAL_DATE(12, LocalDate.class, SQLDataType.LOCALDATE),
        LOCAL_TIME(13, LocalTime.class, SQLDataType.LOCALTIME),
        LOCAL_DATE_TIME(14, LocalDateTime.class, SQLDataType.LOCALDATETIME),
        OFFSET_DATE_TIME(15, OffsetDateTime.class, SQLDataType.OFFSETDATETIME),
        OFFSET_TIME(16, OffsetTime.class, SQLDataType.OFFSETTIME),
        INSTANT(17, Instant.class, SQLDataType.INSTANT),
        UUID(18, UUID.class, SQLDataType.UUID),
        JSON(19, JSON.class, SQLDataType.JSON),
        JSONB(20, JSONB.class, SQLDataType.JSONB),
        SQL_DATE(21, java.sql.Date.class, SQLDataType.DATE),
        SQL_TIME(22, Time.class, SQLDataType.TIME),
        SQL_TIMESTAMP(23, Timestamp.class, SQLDataType.TIMESTAMP),
        UBYTE(24, UByte.class, SQLDataType.TINYINTUNSIGNED),
        USHORT(25, UShort.class, SQLDataType.SMALLINTUNSIGNED),
        UINTEGER(26, UInteger.class, SQLDataType.INTEGERUNSIGNED),
        ULONG(27, ULong.class, SQLDataType.BIGINTUNSIGNED),
        OBJECT(63, Object.class, SQLDataType.OTHER);

        private static final @Nullable Kind[] BY_CODE = new Kind[KIND_MASK + 1];
        private static final Map<Class<?>, Kind> BY_CLASS = new HashMap<>();

        static {
            for (Kind k : values()) {
                BY_CODE[k.code] = k;
                if (k != NONE)
                    BY_CLASS.put(k.type, k);
            }
        }

        final int code;
        final Class<?> type;
        final @Nullable DataType<?> fallback;

        Kind(int code, Class<?> type, @Nullable DataType<?> fallback) {
            this.code = code;
            this.type = type;
            this.fallback = fallback;
        }

        static @Nullable Kind of(Class<?> c) {
            return BY_CLASS.get(c);
        }

        static @Nullable Kind byCode(int code) {
            return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Bytes
    // ------------------------------------------------------------------------------------------------

    /** A value that cannot be written exactly; becomes an {@link UnsupportedValueException} naming its column. */
    static final class Unencodable extends Exception {
        Unencodable(String message) {
            super(message, null, false, false);
        }
    }

    /** Header bytes as a cache key; lookups wrap the entry's array, stored keys own a copy. */
    private static final class HeaderKey {
        private final byte[] bytes;
        private final int from, to, hash;

        HeaderKey(byte[] bytes, int from, int to) {
            this(bytes, from, to, hash(bytes, from, to));
        }

        private HeaderKey(byte[] bytes, int from, int to, int hash) {
            this.bytes = bytes;
            this.from = from;
            this.to = to;
            this.hash = hash;
        }

        /**
         * Length plus up to 32 bytes at each end, a word at a time: this runs on every hit, and a
         * header of qualified column names runs to hundreds of bytes. Headers that differ only in the
         * middle share a bucket and are told apart by {@link #equals}.
         */
        private static int hash(byte[] b, int from, int to) {
            long h = to - from;
            int headEnd = Math.min(to, from + 32);
            int tailStart = Math.max(headEnd, to - 32);
            h = mix(h, b, from, headEnd);
            h = mix(h, b, tailStart, to);
            return (int) (h ^ (h >>> 32));
        }

        private static long mix(long h, byte[] b, int from, int to) {
            int i = from;
            for (; i + 8 <= to; i += 8)
                h = (h ^ (long) ByteSource.LONG.get(b, i)) * 0x9E3779B97F4A7C15L;
            for (; i < to; i++)
                h = (h ^ b[i]) * 0x9E3779B97F4A7C15L;
            return h;
        }

        HeaderKey copy() {
            return new HeaderKey(Arrays.copyOfRange(bytes, from, to), 0, to - from, hash);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(@Nullable Object o) {
            return o instanceof HeaderKey k && k.hash == hash && Arrays.equals(bytes, from, to, k.bytes, k.from, k.to);
        }
    }
}
