package io.shardcache.query.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable output buffer. */
final class ByteSink {

    byte[] buf;
    int pos;

    ByteSink(int capacity) {
        buf = new byte[Math.max(capacity, 16)];
    }

    private void ensure(int n) {
        long needed = (long) pos + n;
        if (needed > buf.length) {
            if (needed > Integer.MAX_VALUE - 16)
                throw new OutOfMemoryError("an encoded result would exceed 2 GiB");
            buf = Arrays.copyOf(buf, (int) Math.min(Integer.MAX_VALUE - 16, Math.max(needed, 2L * buf.length)));
        }
    }

    void writeByte(int b) {
        ensure(1);
        buf[pos++] = (byte) b;
    }

    void writeVarInt(int v) {
        ensure(5);
        while ((v & ~0x7F) != 0) {
            buf[pos++] = (byte) (v | 0x80);
            v >>>= 7;
        }
        buf[pos++] = (byte) v;
    }

    void writeVarLong(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[pos++] = (byte) (v | 0x80);
            v >>>= 7;
        }
        buf[pos++] = (byte) v;
    }

    void writeZigZag(int v) {
        writeVarInt((v << 1) ^ (v >> 31));
    }

    /** UTF-8; an unpaired surrogate has no UTF-8 form and would silently become '?', so it is refused. */
    void writeString(String s) throws ResultCodec.Unencodable {
        int n = s.length();
        long utf8 = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80)
                continue;
            if (c < 0x800)
                utf8 += 1;
            else if (!Character.isSurrogate(c))
                utf8 += 2;
            else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                utf8 += 2;      // 4 bytes for 2 chars
                i++;
            } else
                throw new ResultCodec.Unencodable("a string holds an unpaired surrogate at index " + i);
        }
        if (utf8 > Integer.MAX_VALUE - 16)
            throw new ResultCodec.Unencodable("a string of " + utf8 + " UTF-8 bytes");
        writeVarInt((int) utf8);
        if (utf8 == n) {
            ensure(n);
            for (int i = 0; i < n; i++)
                buf[pos + i] = (byte) s.charAt(i);
            pos += n;
        } else {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            ensure(b.length);
            System.arraycopy(b, 0, buf, pos, b.length);
            pos += b.length;
        }
    }

    /** Reserves {@code n} zeroed bytes and returns where they start. */
    int reserve(int n) {
        ensure(n);
        int at = pos;
        Arrays.fill(buf, at, at + n, (byte) 0);
        pos += n;
        return at;
    }

    /** Moves the bytes written since {@code start} up and writes their length in front of them. */
    void prefixLength(int start) {
        int length = pos - start;
        int size = 1;
        for (int v = length >>> 7; v != 0; v >>>= 7)
            size++;
        ensure(size);
        System.arraycopy(buf, start, buf, start + size, length);
        pos = start;
        writeVarInt(length);
        pos = start + size + length;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, pos);
    }
}
