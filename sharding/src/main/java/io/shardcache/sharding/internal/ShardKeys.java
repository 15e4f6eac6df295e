package io.shardcache.sharding.internal;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * How routers turn a shard key into numbers. Everything here is a fixed, written-out algorithm: a key must
 * land on the same shard in every process and on every JVM for the life of the data, so nothing depends on
 * {@link Object#hashCode()}, the JVM version or the platform's default charset.
 *
 * <p>Key types:
 * <ul>
 *   <li>integral ({@link Long}, {@link Integer}, {@link Short}, {@link Byte}): used by value, so {@code 7},
 *       {@code 7L} and {@code (short) 7} are the same key;</li>
 *   <li>{@link String}: its UTF-8 bytes;</li>
 *   <li>{@link UUID}: its 16 bytes, most significant first (RFC 9562 network order);</li>
 *   <li>{@code byte[]}: the bytes themselves.</li>
 * </ul>
 *
 * <p>The 64-bit hash of a byte key is the first half ({@code h1}) of MurmurHash3_x64_128 with seed 0, as
 * Austin Appleby specified it; Guava's {@code Hashing.murmur3_128(0).hashBytes(b).asLong()} returns the same
 * value. Stateless and thread-safe.
 */
public final class ShardKeys {
    private static final long C1 = 0x87c37b91114253d5L;
    private static final long C2 = 0x4cf5ad432745937fL;
    /** SplitMix64's increment (the golden ratio in 64 bits). */
    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private ShardKeys() {
    }

    /** Whether {@code key} is one of the integral types routers use by value. */
    public static boolean isIntegral(Object key) {
        return key instanceof Long || key instanceof Integer || key instanceof Short || key instanceof Byte;
    }

    /** The value of an integral key; callers check {@link #isIntegral(Object)} first. */
    public static long integralValue(Object key) {
        return ((Number) key).longValue();
    }

    /**
     * The bytes of a non-integral key.
     *
     * @throws IllegalArgumentException naming the router and the key's type when the type is not supported
     */
    public static byte[] bytes(Object key, String router) {
        return switch (key) {
            case null -> throw nullKey(router);
            case String s -> s.getBytes(StandardCharsets.UTF_8);
            case UUID u -> uuidBytes(u);
            case byte[] b -> b;
            default -> throw unsupported(key, router);
        };
    }

    /**
     * A well-distributed 64-bit hash of any supported key: integral keys through {@link #mix64(long)}, the
     * others through {@link #murmur3(byte[])} of their bytes.
     */
    public static long hash64(Object key, String router) {
        if (key == null) {
            throw nullKey(router);
        }
        return isIntegral(key) ? mix64(integralValue(key)) : murmur3(bytes(key, router));
    }

    /**
     * SplitMix64's output for state {@code x}: add the golden gamma, then Stafford's "Mix13" finalizer. A
     * bijection on 64-bit values, so distinct integral keys keep distinct hashes while sequential ids spread
     * over all 64 bits (jump hash assumes uniformly distributed keys).
     */
    public static long mix64(long x) {
        long z = x + GOLDEN_GAMMA;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** {@code h1} of MurmurHash3_x64_128 of {@code data} with seed 0. */
    public static long murmur3(byte[] data) {
        int length = data.length;
        int blocks = length / 16;
        long h1 = 0;
        long h2 = 0;
        for (int i = 0; i < blocks; i++) {
            long k1 = littleEndianLong(data, i * 16);
            long k2 = littleEndianLong(data, i * 16 + 8);
            h1 ^= mixK1(k1);
            h1 = Long.rotateLeft(h1, 27);
            h1 += h2;
            h1 = h1 * 5 + 0x52dce729;
            h2 ^= mixK2(k2);
            h2 = Long.rotateLeft(h2, 31);
            h2 += h1;
            h2 = h2 * 5 + 0x38495ab5;
        }
        int tail = blocks * 16;
        long k1 = 0;
        long k2 = 0;
        // The tail's bytes fall through from the highest, as in the reference implementation's switch.
        for (int i = length - tail - 1; i >= 8; i--) {
            k2 ^= (data[tail + i] & 0xffL) << ((i - 8) * 8);
        }
        for (int i = Math.min(length - tail, 8) - 1; i >= 0; i--) {
            k1 ^= (data[tail + i] & 0xffL) << (i * 8);
        }
        if (length - tail > 8) {
            h2 ^= mixK2(k2);
        }
        if (length - tail > 0) {
            h1 ^= mixK1(k1);
        }
        h1 ^= length;
        h2 ^= length;
        h1 += h2;
        h2 += h1;
        h1 = fmix64(h1);
        h2 = fmix64(h2);
        h1 += h2;
        return h1;
    }

    static IllegalArgumentException nullKey(String router) {
        return new IllegalArgumentException("router " + router + " cannot place a null shard key");
    }

    static IllegalArgumentException unsupported(Object key, String router) {
        return new IllegalArgumentException("router " + router + " cannot place a shard key of type "
                + key.getClass().getName() + "; supported: Long, Integer, Short, Byte, String, UUID, byte[]");
    }

    private static byte[] uuidBytes(UUID uuid) {
        byte[] bytes = new byte[16];
        long msb = uuid.getMostSignificantBits();
        long lsb = uuid.getLeastSignificantBits();
        for (int i = 0; i < 8; i++) {
            bytes[i] = (byte) (msb >>> (56 - 8 * i));
            bytes[8 + i] = (byte) (lsb >>> (56 - 8 * i));
        }
        return bytes;
    }

    private static long littleEndianLong(byte[] data, int offset) {
        long value = 0;
        for (int i = 7; i >= 0; i--) {
            value = (value << 8) | (data[offset + i] & 0xffL);
        }
        return value;
    }

    private static long mixK1(long k1) {
        k1 *= C1;
        k1 = Long.rotateLeft(k1, 31);
        return k1 * C2;
    }

    private static long mixK2(long k2) {
        k2 *= C2;
        k2 = Long.rotateLeft(k2, 33);
        return k2 * C1;
    }

    private static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }
}
