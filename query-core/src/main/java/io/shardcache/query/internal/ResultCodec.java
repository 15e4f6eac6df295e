package io.shardcache.query.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Arrays;
import java.util.Objects;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.jspecify.annotations.Nullable;

/**
 * The cached form of a read, as compact, versioned bytes: each column's driver metadata
 * ({@link ColumnMeta}) and each cell as the text PostgreSQL sent (or NULL). Never Java serialization,
 * and nothing in the bytes names a Java class: what a cell means is decided when it is read, by
 * {@link PgTextResultSet} and jOOQ's bindings, exactly as for a live result set.
 *
 * <h2>Format (version 3)</h2>
 * All integers are unsigned LEB128 varints unless said otherwise; "zz" marks zigzag-encoded signed
 * varints; strings are a varint byte length and UTF-8.
 * <pre>
 * entry   = version:u8  headerLength:varint  header  rowCount:varint  row*
 * header  = columnCount:varint  column*                (headerLength counts these bytes)
 * column  = oid:varint  pgType label name table schema catalog:string  sqlType:zz  typeName:string
 *           precision:zz  scale:zz  nullable:zz  displaySize:zz  className:string  flags:u8
 *           flags: 1 signed, 2 autoIncrement, 4 caseSensitive, 8 currency, 16 searchable, 32 readOnly,
 *           64 writable, 128 definitelyWritable
 * row     = nullBitmap  text*                          bitmap: max(1, ceil(columns/8)) bytes, bit i (LSB
 *                                                      first) set = column i is NULL; one text per non-NULL column
 * </pre>
 *
 * <h2>Invariants</h2>
 * <ul>
 * <li>Safety. Every count and length is checked against the bytes left before anything is allocated; a
 * row costs at least one byte, so no input makes the decoder allocate more than a small multiple of its
 * size. Bad input of any kind raises {@link MalformedEntryException}; so does, as a last resort, an
 * unexpected runtime exception, because an undecodable entry must be a miss, never a failed query.</li>
 * <li>Speed on a hit. The header's bytes key a bounded cache of the decoded columns, so a hit on a known
 * query shape decodes no metadata; its rows are copies of one template record.</li>
 * </ul>
 * Thread-safe: stateless apart from a bounded concurrent cache of immutable headers.
 */
public final class ResultCodec {

    /** The format version; part of every cache key. Bump on any change to the bytes or their meaning. */
    public static final int VERSION = 3;

    private static final int MAX_COLUMNS = 1 << 16;          // PostgreSQL allows 1664
    private static final int HEADER_CACHE_SIZE = 4096;       // distinct result shapes kept parsed

    // Creating a configuration costs more than decoding a small result; records only need one to exist.
    private static final DSLContext CTX = DSL.using(SQLDialect.POSTGRES);
    // Bounded by Caffeine's size eviction; maintenance runs on the calling thread, not the common pool.
    private static final Cache<HeaderKey, Header> HEADERS = Caffeine.newBuilder()
        .maximumSize(HEADER_CACHE_SIZE).executor(Runnable::run).build();

    private ResultCodec() {
    }

    // ------------------------------------------------------------------------------------------------
    // Encoding
    // ------------------------------------------------------------------------------------------------

    /**
     * Encodes cached rows ({@link ResultReader}'s): every field a {@link ColumnField}, every value text or
     * NULL. Fails, and nothing should be cached, when a text cannot be written as UTF-8 exactly (an
     * unpaired surrogate); the exception names the column.
     *
     * @throws IllegalArgumentException if the result is not cached rows
     */
    public static byte[] encode(Result<? extends Record> result) throws UnsupportedValueException {
        Field<?>[] fields = result.fields();
        int n = fields.length;
        ColumnMeta[] columns = new ColumnMeta[n];
        for (int i = 0; i < n; i++) {
            if (!(fields[i] instanceof ColumnField c))
                throw new IllegalArgumentException("not cached rows: column " + i + " is " + fields[i] + ", not a ColumnField");
            columns[i] = c.meta;
        }
        int bitmapBytes = bitmapBytes(n);
        ByteSink out = new ByteSink((int) Math.min(1 << 16, 16L + 48L * n + (long) result.size() * (bitmapBytes + 8L * n)));
        out.writeByte(VERSION);
        int headerStart = out.pos;
        out.writeVarInt(n);
        for (int i = 0; i < n; i++)
            write(out, columns[i]);
        out.prefixLength(headerStart);

        out.writeVarInt(result.size());
        for (Record r : result) {
            int bitmap = out.reserve(bitmapBytes);
            for (int i = 0; i < n; i++) {
                Object v = r.get(i);
                if (v == null) {
                    out.buf[bitmap + (i >>> 3)] |= (byte) (1 << (i & 7));
                } else if (v instanceof String text) {
                    try {
                        out.writeString(text);
                    } catch (Unencodable e) {
                        throw new UnsupportedValueException(columns[i].label(), columns[i].typeName(), String.class, e.getMessage());
                    }
                } else {
                    throw new IllegalArgumentException("not cached rows: column " + columns[i].label() + " holds a "
                        + v.getClass().getName() + ", not text");
                }
            }
        }
        return out.toByteArray();
    }

    private static void write(ByteSink out, ColumnMeta m) throws UnsupportedValueException {
        try {
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
        } catch (Unencodable e) {
            throw new UnsupportedValueException(m.label(), m.typeName(), String.class, "metadata: " + e.getMessage());
        }
        out.writeByte((m.signed() ? 1 : 0) | (m.autoIncrement() ? 2 : 0) | (m.caseSensitive() ? 4 : 0) | (m.currency() ? 8 : 0)
            | (m.searchable() ? 16 : 0) | (m.readOnly() ? 32 : 0) | (m.writable() ? 64 : 0) | (m.definitelyWritable() ? 128 : 0));
    }

    // ------------------------------------------------------------------------------------------------
    // Decoding
    // ------------------------------------------------------------------------------------------------

    /** Decodes what {@link #encode} wrote. */
    public static Result<Record> decode(byte[] bytes) throws MalformedEntryException {
        return decode(bytes, 0, bytes.length);
    }

    /** Decodes {@code len} bytes from {@code off}; offsets in error messages count from {@code off}. */
    public static Result<Record> decode(byte[] bytes, int off, int len) throws MalformedEntryException {
        Objects.checkFromIndexSize(off, len, bytes.length);
        ByteSource in = new ByteSource(bytes, off, off + len);
        try {
            return decode(in);
        } catch (RuntimeException e) {
            // Not expected (every check is explicit), but a bug must turn a hit into a miss, not into a failed query.
            throw in.malformed("unexpected " + e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Result<Record> decode(ByteSource in) throws MalformedEntryException {
        int version = in.readByte();
        if (version != VERSION)
            throw new MalformedEntryException("codec version " + version + ", this build reads " + VERSION, 0);
        Header header = header(in);
        Field<?>[] fields = header.fields;
        int n = fields.length;
        int bitmapBytes = bitmapBytes(n);
        int at = in.pos;
        int rows = in.readVarInt();
        if (rows < 0 || rows > in.remaining() / bitmapBytes)
            throw in.malformedAt(at, "row count " + Integer.toUnsignedString(rows) + " for " + in.remaining() + " bytes left");
        Result<Record> result = CTX.newResult(fields);
        for (int r = 0; r < rows; r++) {
            int bitmap = in.skip(bitmapBytes);
            Record record = header.template.original();
            for (int i = 0; i < n; i++)
                if ((in.buf[bitmap + (i >>> 3)] & (1 << (i & 7))) == 0)
                    record.set((Field<Object>) fields[i], in.readString());
            checkPadding(in, bitmap, n);
            record.changed(false);
            result.add(record);
        }
        if (in.remaining() != 0)
            throw in.malformed(in.remaining() + " bytes after the last row");
        return result;
    }

    /**
     * A parsed header, cached across entries of the same shape. {@code template} is an empty record
     * of its fields: copying it ({@link Record#original()}) shares the fields' row, where
     * {@code newRecord(fields)} would build the row again for every record of every hit.
     */
    private record Header(Field<?>[] fields, Record template) {
        Header(Field<?>[] fields) {
            this(fields, CTX.newRecord(fields));
        }
    }

    /** The cached header for these bytes, or a freshly parsed one. */
    private static Header header(ByteSource in) throws MalformedEntryException {
        int length = in.readLength("header length");
        HeaderKey key = new HeaderKey(in.buf, in.pos, in.pos + length);
        Header header = HEADERS.getIfPresent(key);
        if (header != null) {
            in.pos += length;
            return header;
        }
        header = parseHeader(in, in.pos + length);
        HEADERS.asMap().putIfAbsent(key.copy(), header);
        return header;
    }

    private static Header parseHeader(ByteSource in, int end) throws MalformedEntryException {
        int at = in.pos;
        int n = in.readVarInt();
        if (n < 0 || n > MAX_COLUMNS || n > end - in.pos)
            throw in.malformedAt(at, "column count " + Integer.toUnsignedString(n));
        Field<?>[] fields = new Field<?>[n];
        for (int i = 0; i < n; i++)
            fields[i] = new ColumnField(readMeta(in));
        if (in.pos != end)
            throw in.malformed("header ends here, its length says at " + (end - in.base));
        return new Header(fields);
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

    private static void checkPadding(ByteSource in, int bitmap, int bits) throws MalformedEntryException {
        if ((bits & 7) != 0 && (in.buf[bitmap + (bits >>> 3)] & 0xFF) >>> (bits & 7) != 0)
            throw new MalformedEntryException("null bitmap has bits beyond its " + bits + " entries", bitmap - in.base);
    }

    private static int bitmapBytes(int columns) {
        // At least one byte, so that every row costs a byte and a row count is bounded by the input.
        return Math.max(1, (columns + 7) >>> 3);
    }

    // ------------------------------------------------------------------------------------------------
    // Bytes
    // ------------------------------------------------------------------------------------------------

    /** A text that cannot be written exactly; becomes an {@link UnsupportedValueException} naming its column. */
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
         * header of column metadata runs to hundreds of bytes. Headers that differ only in the
         * middle share a bucket and are told apart by {@link #equals}.
         */
        private static int hash(byte[] b, int from, int to) {
            long h = (long) to - from;
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
