package io.shardcache.query.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Array;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * What a cache key is made of, as length-prefixed, type-tagged bytes, and the two digests of it.
 *
 * <p>The material is: a format byte, the codec version, the context (dialect, render mapping,
 * logical shard or other scope), then either the rendered SQL with placeholders, the statement's
 * row limit and every bind value with its JDBC setter and type, or a caller's custom key. Every
 * variable-length part is prefixed by its length and every value by a tag, so no two different
 * inputs can produce the same bytes ({@code "ab","c"} vs {@code "a","bc"}; {@code 1} vs {@code "1"}).
 *
 * <p>The SHA-1 of the material names the entry. A second, independent digest (the first 16 bytes
 * of its SHA-256) is stored inside the entry and compared on every read, so that even a SHA-1
 * collision, or a custom key reused for another query, can never serve another query's rows: a
 * mismatch is a miss. The material is kept so that {@link #describe()} can show it to a person.
 *
 * <p>Immutable once built.
 */
public final class KeyMaterial {

    /** Bumped whenever the layout below changes, so old and new builds never share entries. */
    static final int FORMAT = 1;

    static final int FINGERPRINT_BYTES = 16;

    private static final HexFormat HEX = HexFormat.of();

    // Value tags; part of the material, so append only.
    private static final byte T_NULL = 0, T_BOOLEAN = 1, T_BYTE = 2, T_SHORT = 3, T_INT = 4, T_LONG = 5,
        T_FLOAT = 6, T_DOUBLE = 7, T_DECIMAL = 8, T_BIGINT = 9, T_STRING = 10, T_BYTES = 11, T_OTHER = 12,
        T_ARRAY = 13, T_SQL_ARRAY = 14, T_LEGACY_TIME = 15;

    // Section markers, so describe() can read the material back.
    static final byte S_SQL = 1, S_CUSTOM = 2;

    /** The material is {@code head} then {@code tail}: a prepared read's key keeps the shared prefix as it is. */
    private final byte[] head;
    private final byte[] tail;
    private final String scope;
    private final String sha1Hex;
    private final byte[] fingerprint;

    // Prototypes to clone: much cheaper than a provider look-up by name on every key.
    private static final MessageDigest SHA1 = newDigest("SHA-1");
    private static final MessageDigest SHA256 = newDigest("SHA-256");

    private KeyMaterial(String scope, byte[] bytes) {
        this(scope, bytes, NO_BYTES, digest(SHA1, bytes), digest(SHA256, bytes));
    }

    private static final byte[] NO_BYTES = new byte[0];

    private KeyMaterial(String scope, byte[] head, byte[] tail, byte[] sha1, byte[] sha256) {
        this.scope = scope;
        this.head = head;
        this.tail = tail;
        this.sha1Hex = HEX.formatHex(sha1);
        this.fingerprint = Arrays.copyOf(sha256, FINGERPRINT_BYTES);
    }

    /** The material of one statement: {@code context} comes from {@link #context}. */
    static KeyMaterial ofStatement(Context context, String sql, long maxRows, Binds binds) throws SQLException {
        Writer w = new Writer(context.bytes().length + sql.length() + 16 + binds.count() * 12);
        w.writeRaw(context.bytes());
        w.writeByte(S_SQL);
        w.writeString(sql);
        w.writeLong(maxRows);
        binds.writeTo(w);
        return new KeyMaterial(context.scope(), w.toByteArray());
    }

    /**
     * The constant part of a prepared statement's material (context, SQL, row limit, bind count),
     * with both digests already fed with it, so a key costs only the digest of its bind values.
     * {@link #ofPrepared} produces exactly the material {@link #ofStatement} would for the same
     * statement and binds, so a prepared read and the same query run through jOOQ share entries.
     */
    static Prefix prefix(Context context, String sql, long maxRows, int bindCount) {
        Writer w = new Writer(context.bytes().length + sql.length() + 16);
        w.writeRaw(context.bytes());
        w.writeByte(S_SQL);
        w.writeString(sql);
        w.writeLong(maxRows);
        w.writeInt(bindCount);
        byte[] prefix = w.toByteArray();
        MessageDigest sha1 = copy(SHA1);
        sha1.update(prefix);
        MessageDigest sha256 = copy(SHA256);
        sha256.update(prefix);
        return new Prefix(context.scope(), prefix, sha1, sha256);
    }

    /** Immutable: the digests are prototypes, cloned for every key. */
    record Prefix(String scope, byte[] bytes, MessageDigest sha1, MessageDigest sha256) {
    }

    /**
     * The material of a prepared statement's execution: {@code prefix} then each bind as
     * {@link Binds#writeTo} writes a bind that has neither SQL type nor extra (the only kinds a
     * prepared read uses).
     */
    static KeyMaterial ofPrepared(Prefix prefix, Binds.Kind[] kinds, Object[] values) throws SQLException {
        Writer w = new Writer(values.length * 16);
        for (int i = 0; i < values.length; i++) {
            w.writeByte(kinds[i].ordinal());
            w.writeValue(values[i]);
            w.writeByte(Binds.EXTRA_NONE);
        }
        MessageDigest sha1 = copy(prefix.sha1());
        sha1.update(w.buf, 0, w.len);
        MessageDigest sha256 = copy(prefix.sha256());
        sha256.update(w.buf, 0, w.len);
        // The prefix is shared, not copied: only describe() ever needs the whole material.
        return new KeyMaterial(prefix.scope(), prefix.bytes(), w.toByteArray(), sha1.digest(), sha256.digest());
    }

    /**
     * A caller-chosen key (as SQLAlchemy's {@code cache_key}). Its SHA-1 names the entry; the
     * fingerprint stored in the entry is still the statement's, so a custom key reused for another
     * query finds a foreign entry (a miss) instead of the other query's rows.
     */
    static KeyMaterial ofCustom(Context context, String customKey) {
        Writer w = new Writer(context.bytes().length + customKey.length() + 8);
        w.writeRaw(context.bytes());
        w.writeByte(S_CUSTOM);
        w.writeString(customKey);
        return new KeyMaterial(context.scope(), w.toByteArray());
    }

    /**
     * The context prefix, computed once per caching context and shared by all its statements: the
     * codec version, {@code parts} (dialect, render settings), then the scope.
     *
     * @param scope the logical shard or other scope the keys belong to; "" for none
     */
    public static Context context(int codecVersion, @Nullable String scope, @Nullable String... parts) {
        Writer w = new Writer(64);
        w.writeByte(FORMAT);
        w.writeInt(codecVersion);
        w.writeInt(parts.length + 1);
        for (String p : parts)
            w.writeString(p == null ? "" : p);
        w.writeString(scope == null ? "" : scope);
        return new Context(w.toByteArray(), scope == null ? "" : scope);
    }

    /**
     * A key context: its bytes begin every key's material, and its scope (a logical shard, "" for
     * none) is told to listeners with each key. The bytes must not be changed.
     */
    public record Context(byte[] bytes, String scope) {
    }

    /** The scope of the key: its logical shard, or "" for none. */
    public String scope() {
        return scope;
    }

    public String sha1Hex() {
        return sha1Hex;
    }

    /** 16 bytes, independent of the SHA-1; a copy. */
    public byte[] fingerprint() {
        return fingerprint.clone();
    }

    boolean fingerprintEquals(byte[] other, int offset) {
        return Arrays.equals(fingerprint, 0, FINGERPRINT_BYTES, other, offset, offset + FINGERPRINT_BYTES);
    }

    byte[] fingerprintUnsafe() {
        return fingerprint;
    }

    /** A readable rendering of the material, for logs and debugging; not used for lookups. */
    public String describe() {
        byte[] all = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return new Reader(all).describe();
    }

    private static byte[] digest(MessageDigest prototype, byte[] input) {
        return copy(prototype).digest(input);
    }

    /** A copy of a digest with its state; the JDK's SHA digests are cloneable. */
    private static MessageDigest copy(MessageDigest prototype) {
        try {
            return (MessageDigest) prototype.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(prototype.getAlgorithm() + " digest of " + prototype.getProvider() + " cannot be cloned", e);
        }
    }

    private static MessageDigest newDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is required by every Java platform", e);
        }
    }

    /** Appends tagged, length-prefixed values to a growable buffer. */
    static final class Writer {
        private byte[] buf;
        private int len;

        Writer(int capacity) {
            buf = new byte[Math.max(16, capacity)];
        }

        private void ensure(int extra) {
            if (len + extra > buf.length)
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
        }

        void writeRaw(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, buf, len, b.length);
            len += b.length;
        }

        void writeByte(int b) {
            ensure(1);
            buf[len++] = (byte) b;
        }

        void writeInt(int v) {
            ensure(4);
            buf[len++] = (byte) (v >>> 24);
            buf[len++] = (byte) (v >>> 16);
            buf[len++] = (byte) (v >>> 8);
            buf[len++] = (byte) v;
        }

        void writeLong(long v) {
            writeInt((int) (v >>> 32));
            writeInt((int) v);
        }

        void writeString(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            writeInt(b.length);
            writeRaw(b);
        }

        void writeValue(@Nullable Object v) throws SQLException {
            switch (v) {
                case null -> writeByte(T_NULL);
                case Boolean b -> { writeByte(T_BOOLEAN); writeByte(b ? 1 : 0); }
                case Byte b -> { writeByte(T_BYTE); writeByte(b); }
                case Short s -> { writeByte(T_SHORT); writeInt(s); }
                case Integer i -> { writeByte(T_INT); writeInt(i); }
                case Long l -> { writeByte(T_LONG); writeLong(l); }
                case Float f -> { writeByte(T_FLOAT); writeInt(Float.floatToIntBits(f)); }
                case Double d -> { writeByte(T_DOUBLE); writeLong(Double.doubleToLongBits(d)); }
                // toString keeps the scale: 1.0 and 1.00 are different binds
                case BigDecimal d -> { writeByte(T_DECIMAL); writeString(d.toString()); }
                case BigInteger i -> { writeByte(T_BIGINT); writeString(i.toString()); }
                case String s -> { writeByte(T_STRING); writeString(s); }
                case byte[] b -> { writeByte(T_BYTES); writeInt(b.length); writeRaw(b); }
                case Object[] a -> {
                    writeByte(T_ARRAY);
                    writeString(a.getClass().getComponentType().getName());
                    writeInt(a.length);
                    for (Object e : a)
                        writeValue(e);
                }
                case Array a -> {
                    writeByte(T_SQL_ARRAY);
                    writeString(a.getBaseTypeName());
                    writeValue(a.getArray());
                }
                case java.util.Date d -> writeLegacyTime(d);
                default -> {
                    // java.time, UUID, java.sql temporals, JSON(B) wrappers: toString is exact.
                    // A class without a value-based toString yields a key that never repeats:
                    // such a query is never served from cache, which is slow but never wrong.
                    writeByte(T_OTHER);
                    writeString(v.getClass().getName());
                    writeString(v.toString());
                }
            }
        }

        /**
         * java.sql.Time/Date/Timestamp: toString drops milliseconds (Time) or shows local time
         * (Timestamp), while the driver sends the instant as seen in the JVM's default zone. So: the
         * instant, the nanos, and that zone.
         */
        @SuppressWarnings("JavaUtilDate")   // the caller bound these legacy JDBC types; the key must tell them apart
        private void writeLegacyTime(java.util.Date d) {
            writeByte(T_LEGACY_TIME);
            writeString(d.getClass().getName());
            writeLong(d.getTime());
            writeInt(d instanceof java.sql.Timestamp ts ? ts.getNanos() : -1);
            writeString(java.util.TimeZone.getDefault().getID());
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buf, len);
        }
    }

    /** Reads the material back into text; only for {@link #describe()}. */
    private static final class Reader {
        private final byte[] b;
        private int pos;

        Reader(byte[] b) {
            this.b = b;
        }

        String describe() {
            StringBuilder sb = new StringBuilder();
            try {
                sb.append("format=").append(b[pos++]).append(" codec=").append(readInt());
                int parts = readInt();
                sb.append(" context=[");
                for (int i = 0; i < parts; i++)
                    sb.append(i == 0 ? "" : ", ").append(readString());
                sb.append(']');
                byte section = b[pos++];
                if (section == S_CUSTOM) {
                    sb.append(" custom-key='").append(readString()).append('\'');
                } else {
                    sb.append(" sql=").append(readString());
                    long maxRows = readLong();
                    if (maxRows != 0)
                        sb.append(" maxRows=").append(maxRows);
                    int n = readInt();
                    sb.append(" binds=[");
                    for (int i = 0; i < n; i++) {
                        Binds.Kind kind = Binds.Kind.values()[b[pos++]];
                        sb.append(i == 0 ? "" : ", ").append(kind);
                        if (kind == Binds.Kind.NULL || kind == Binds.Kind.OBJECT_TYPED || kind == Binds.Kind.OBJECT_TYPED_SCALED)
                            sb.append("(sqlType=").append(readInt()).append(",scale=").append(readInt()).append(')');
                        sb.append(' ').append(readValue());
                        byte extra = b[pos++];
                        if (extra == Binds.EXTRA_CALENDAR)
                            sb.append(" [calendar ").append(readString()).append(']');
                        else if (extra == Binds.EXTRA_TYPE_NAME)
                            sb.append(" [type ").append(readString()).append(']');
                    }
                    sb.append(']');
                }
            } catch (RuntimeException e) {
                sb.append(" …(unreadable at byte ").append(pos).append(')');
            }
            return sb.toString();
        }

        private String readValue() {
            byte tag = b[pos++];
            return switch (tag) {
                case T_NULL -> "null";
                case T_BOOLEAN -> Boolean.toString(b[pos++] != 0);
                case T_BYTE -> b[pos++] + "::byte";
                case T_SHORT -> readInt() + "::short";
                case T_INT -> readInt() + "::int";
                case T_LONG -> readLong() + "::long";
                case T_FLOAT -> Float.intBitsToFloat(readInt()) + "::float";
                case T_DOUBLE -> Double.longBitsToDouble(readLong()) + "::double";
                case T_DECIMAL -> readString() + "::decimal";
                case T_BIGINT -> readString() + "::biginteger";
                case T_STRING -> "'" + readString() + "'";
                case T_BYTES -> {
                    int n = readInt();
                    pos += n;
                    yield "bytes[" + n + "]";
                }
                case T_ARRAY -> {
                    String component = readString();
                    int n = readInt();
                    StringBuilder sb = new StringBuilder("{");
                    for (int i = 0; i < n; i++)
                        sb.append(i == 0 ? "" : ",").append(readValue());
                    yield sb.append("}::").append(component.substring(component.lastIndexOf('.') + 1)).append("[]").toString();
                }
                case T_SQL_ARRAY -> readString() + "[] " + readValue();
                case T_OTHER -> {
                    String type = readString();
                    yield readString() + "::" + type.substring(type.lastIndexOf('.') + 1);
                }
                case T_LEGACY_TIME -> {
                    String type = readString();
                    long millis = readLong();
                    int nanos = readInt();
                    yield java.time.Instant.ofEpochMilli(millis) + (nanos >= 0 ? " nanos=" + nanos : "") + " zone=" + readString()
                        + "::" + type.substring(type.lastIndexOf('.') + 1);
                }
                default -> throw new IllegalStateException("tag " + tag);
            };
        }

        private int readInt() {
            int v = ((b[pos] & 0xff) << 24) | ((b[pos + 1] & 0xff) << 16) | ((b[pos + 2] & 0xff) << 8) | (b[pos + 3] & 0xff);
            pos += 4;
            return v;
        }

        private long readLong() {
            return ((long) readInt() << 32) | (readInt() & 0xffffffffL);
        }

        private String readString() {
            int n = readInt();
            String s = new String(b, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }
    }
}
