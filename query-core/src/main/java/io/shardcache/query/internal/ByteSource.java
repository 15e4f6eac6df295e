package io.shardcache.query.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** A bounds-checked reader; offsets in its errors count from where the entry starts. */
final class ByteSource {

    /** Reads eight bytes at once; hashes header keys. */
    static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    final byte[] buf;
    final int base, end;
    int pos;

    ByteSource(byte[] buf, int from, int end) {
        this.buf = buf;
        this.base = from;
        this.pos = from;
        this.end = end;
    }

    int remaining() {
        return end - pos;
    }

    MalformedEntryException malformed(String problem) {
        return malformedAt(pos, problem);
    }

    MalformedEntryException malformedAt(int at, String problem) {
        return new MalformedEntryException(problem, at - base);
    }

    private void need(int n) throws MalformedEntryException {
        if (end - pos < n)
            throw malformed("truncated: " + n + " bytes needed, " + (end - pos) + " left");
    }

    int readByte() throws MalformedEntryException {
        need(1);
        return buf[pos++] & 0xFF;
    }

    int readVarInt() throws MalformedEntryException {
        int start = pos;
        int result = 0;
        for (int shift = 0; shift < 32; shift += 7) {
            need(1);
            int b = buf[pos++];
            result |= (b & 0x7F) << shift;
            if (b >= 0) {
                if (shift == 28 && (b & 0x70) != 0)
                    throw malformedAt(start, "varint overflows 32 bits");
                return result;
            }
        }
        throw malformedAt(start, "varint longer than 5 bytes");
    }

    long readVarLong() throws MalformedEntryException {
        int start = pos;
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            need(1);
            int b = buf[pos++];
            result |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                if (shift == 63 && (b & 0x7E) != 0)
                    throw malformedAt(start, "varint overflows 64 bits");
                return result;
            }
        }
        throw malformedAt(start, "varint longer than 10 bytes");
    }

    int readZigZagInt() throws MalformedEntryException {
        int v = readVarInt();
        return (v >>> 1) ^ -(v & 1);
    }

    /** A length that must fit in what is left. */
    int readLength(String what) throws MalformedEntryException {
        int at = pos;
        int n = readVarInt();
        if (n < 0 || n > end - pos)
            throw malformedAt(at, what + " " + Integer.toUnsignedString(n) + " exceeds the " + (end - pos) + " bytes left");
        return n;
    }

    /** Skips {@code n} bytes and returns where they start. */
    int skip(int n) throws MalformedEntryException {
        need(n);
        int at = pos;
        pos += n;
        return at;
    }

    String readString() throws MalformedEntryException {
        int n = readLength("string length");
        String s = new String(buf, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

}
