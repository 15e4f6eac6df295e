package io.shardcache.query.internal;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32C;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A stored cache entry: a fixed header, the encoded result, and a checksum. Redis and the
 * in-process tier store these bytes verbatim; nothing here is Java serialization.
 *
 * <pre>
 *  offset size
 *   0     2   magic 'S' 'C'
 *   2     1   envelope version (1)
 *   3     1   flags: bit 0 = payload deflated
 *   4     8   created at, epoch millis
 *  12     8   soft TTL, millis  (fresh until created + soft)
 *  20     8   hard TTL, millis  (served stale until created + hard)
 *  28     8   how long regeneration took, micros (XFetch's delta)
 *  36     8   the region's soft generation when computed (a soft invalidation bumps it)
 *  44    16   fingerprint of the key material (checked on read)
 *  60     8   a hash of the names of the counters below: a reader that depends on other counters
 *             (a plain-SQL read with tables declared, another without) never matches
 *  68     2   m, the number of table generations
 *  70   8*m   the generations of the tables the query reads, read before it ran, in the order of
 *             its counters (see {@link TableCounters}); a hit serves the entry only if they are
 *             still the current ones
 *  h      4   payload length n, where h = 70 + 8*m
 *  h+4    n   payload: {@link ResultCodec} bytes, deflated when the flag says so
 *  h+4+n  4   CRC32C of every byte before it
 * </pre>
 *
 * Anything that does not match (magic, version, lengths, checksum, fingerprint) is treated as a
 * miss by the engine and overwritten; a damaged entry can never reach a caller.
 */
record Entry(long createdAt, long softTtlMillis, long hardTtlMillis, long regenMicros, long softGeneration,
             long tablesHash, long[] generations, byte[] bytes, int payloadOffset, int payloadLength, boolean deflated) {

    static final int VERSION = 2;
    private static final int FIXED_HEADER = 70;
    private static final int TABLES_HASH_AT = 60;
    private static final int FINGERPRINT_AT = 44;
    private static final int FLAG_DEFLATED = 1;
    /** More tables than any statement reads; a count above it is damage. */
    static final int MAX_GENERATIONS = 4096;

    long softExpiry() {
        return createdAt + softTtlMillis;
    }

    long hardExpiry() {
        return createdAt + hardTtlMillis;
    }

    /**
     * True when the entry depends on the counters named by {@code hash} and their generations are
     * still {@code current}: no write has landed since.
     */
    boolean generationsAre(long hash, long[] current) {
        return tablesHash == hash && java.util.Arrays.equals(generations, current);
    }

    boolean fingerprintMatches(KeyMaterial material) {
        return material.fingerprintEquals(bytes, FINGERPRINT_AT);
    }

    /** The decoded result; the payload is read in place unless it has to be inflated first. */
    org.jooq.Result<org.jooq.Record> result() throws MalformedEntryException {
        if (deflated) {
            byte[] p = payload();
            return ResultCodec.decode(p, 0, p.length);
        }
        return ResultCodec.decode(bytes, payloadOffset, payloadLength);
    }

    /** The encoded result, inflated if it was stored deflated. */
    byte[] payload() throws MalformedEntryException {
        if (!deflated)
            return Arrays.copyOfRange(bytes, payloadOffset, payloadOffset + payloadLength);
        ByteBuffer in = ByteBuffer.wrap(bytes, payloadOffset, payloadLength);
        int size = in.getInt();
        if (size < 0 || size > 256 << 20)
            throw new MalformedEntryException("inflated size " + size + " is out of range", payloadOffset);
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(bytes, payloadOffset + 4, payloadLength - 4);
            byte[] out = new byte[size];
            int n = inflater.inflate(out);
            if (n != size || !inflater.finished())
                throw new MalformedEntryException("deflated payload inflates to " + n + " bytes, header says " + size, payloadOffset);
            return out;
        } catch (DataFormatException e) {
            throw new MalformedEntryException("deflated payload is corrupt: " + e.getMessage(), payloadOffset);
        } finally {
            inflater.end();
        }
    }

    /** A copy of this entry marked stale at {@code now}: it keeps its hard expiry. */
    byte[] markedStale(long now) {
        byte[] copy = bytes.clone();
        ByteBuffer b = ByteBuffer.wrap(copy);
        long soft = Math.max(0, Math.min(softTtlMillis, now - createdAt - 1));
        b.putLong(12, soft);
        seal(copy);
        return copy;
    }

    static byte[] encode(long createdAt, long softTtlMillis, long hardTtlMillis, long regenMicros, long softGeneration,
                         long tablesHash, long[] generations, byte[] fingerprint, byte[] payload, int compressAbove) {
        if (generations.length > MAX_GENERATIONS)
            throw new IllegalArgumentException("an entry records at most " + MAX_GENERATIONS + " table generations, got " + generations.length);
        boolean deflate = payload.length > compressAbove;
        byte[] body = deflate ? deflate(payload) : payload;
        if (deflate && body.length >= payload.length) {
            deflate = false;   // incompressible: store as is
            body = payload;
        }
        int header = FIXED_HEADER + 8 * generations.length + 4;
        byte[] out = new byte[header + body.length + 4];
        ByteBuffer b = ByteBuffer.wrap(out);
        b.put((byte) 'S').put((byte) 'C').put((byte) VERSION).put((byte) (deflate ? FLAG_DEFLATED : 0));
        b.putLong(createdAt).putLong(softTtlMillis).putLong(hardTtlMillis).putLong(regenMicros).putLong(softGeneration);
        b.put(fingerprint, 0, KeyMaterial.FINGERPRINT_BYTES);
        b.putLong(tablesHash);
        b.putShort((short) generations.length);
        for (long g : generations)
            b.putLong(g);
        b.putInt(body.length);
        b.put(body);
        seal(out);
        return out;
    }

    static Entry decode(byte[] bytes) throws MalformedEntryException {
        if (bytes.length < FIXED_HEADER + 8)
            throw new MalformedEntryException("entry of " + bytes.length + " bytes is shorter than its header", 0);
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if (b.get(0) != 'S' || b.get(1) != 'C')
            throw new MalformedEntryException("not a shardcache entry (bad magic)", 0);
        if (b.get(2) != VERSION)
            throw new MalformedEntryException("entry envelope version " + b.get(2) + ", this build reads " + VERSION, 2);
        int m = Short.toUnsignedInt(b.getShort(FIXED_HEADER - 2));
        int header = FIXED_HEADER + 8 * m + 4;
        if (m > MAX_GENERATIONS || header + 4 > bytes.length)
            throw new MalformedEntryException(m + " table generations do not fit an entry of " + bytes.length + " bytes", FIXED_HEADER - 2);
        int n = b.getInt(header - 4);
        if (n < 0 || n != bytes.length - header - 4)
            throw new MalformedEntryException("payload length " + n + " does not fit an entry of " + bytes.length + " bytes", header - 4);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, header + n);
        if ((int) crc.getValue() != b.getInt(header + n))
            throw new MalformedEntryException("checksum mismatch", header + n);
        boolean deflated = (b.get(3) & FLAG_DEFLATED) != 0;
        if (deflated && n < 4)
            throw new MalformedEntryException("deflated payload of " + n + " bytes", header);
        long[] generations = new long[m];
        for (int i = 0; i < m; i++)
            generations[i] = b.getLong(FIXED_HEADER + 8 * i);
        return new Entry(b.getLong(4), b.getLong(12), b.getLong(20), b.getLong(28), b.getLong(36), b.getLong(TABLES_HASH_AT),
            generations, bytes, header, n, deflated);
    }

    private static void seal(byte[] out) {
        CRC32C crc = new CRC32C();
        crc.update(out, 0, out.length - 4);
        ByteBuffer.wrap(out).putInt(out.length - 4, (int) crc.getValue());
    }

    private static byte[] deflate(byte[] payload) {
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        try {
            deflater.setInput(payload);
            deflater.finish();
            byte[] buf = new byte[4 + Math.max(64, payload.length / 2)];
            ByteBuffer.wrap(buf).putInt(payload.length);
            int len = 4;
            while (!deflater.finished()) {
                if (len == buf.length)
                    buf = Arrays.copyOf(buf, buf.length * 2);
                len += deflater.deflate(buf, len, buf.length - len);
            }
            return Arrays.copyOf(buf, len);
        } finally {
            deflater.end();
        }
    }
}
