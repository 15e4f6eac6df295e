package io.shardcache.sharding.internal;

import io.shardcache.sharding.ShardRouter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Ketama consistent hashing as libketama and nydus do it, with the logical shards as the nodes.
 *
 * <p><b>Continuum.</b> Node {@code s} (named by its decimal number) gets {@code pointsPerNode} points on a
 * 32-bit circle: digest {@code i} is {@code MD5("<s>-<i>")} and yields 4 points, bytes {@code 4k..4k+3} of
 * the digest read little-endian for {@code k = 0..3} (libketama's layout; with the default 160 points, 40
 * digests per node). Points are sorted; two nodes on the same point are ordered by node number so every
 * process builds the same circle.
 *
 * <p><b>Lookup.</b> A key's point is the first 4 bytes of {@code MD5(key bytes)} read little-endian
 * (libketama's {@code ketama_hashi}); the key belongs to the node of the first continuum point at or after
 * it, wrapping to the first point. Key bytes are the text a libketama client would hash: the decimal form of
 * integral keys, UTF-8 of strings, the canonical lower-case text of UUIDs, and {@code byte[]} as is. Binary
 * search, O(log(points)).
 *
 * <p><b>Concurrency.</b> The continuum for a shard count is built once, on first use, and cached for the life
 * of the router (a {@link ConcurrentHashMap} entry; concurrent first callers for one count wait for one
 * build). Each cached continuum is an immutable {@code long[]} of {@code shards * pointsPerNode} entries:
 * 8 bytes each, about 5 MB for 4096 shards at 160 points. Each entry packs the point in the high 32 bits
 * (top bit flipped, so signed order is unsigned point order) and the node in the low 32 bits.
 */
public final class KetamaRouter implements ShardRouter {
    private final int pointsPerNode;
    private final ConcurrentMap<Integer, long[]> continuums = new ConcurrentHashMap<>();

    public KetamaRouter(int pointsPerNode) {
        if (pointsPerNode < 1) {
            throw new IllegalArgumentException("ketama needs at least 1 point per node, got pointsPerNode="
                    + pointsPerNode);
        }
        this.pointsPerNode = pointsPerNode;
    }

    @Override
    public int shardOf(Object key, int shards) {
        RouterChecks.requireShards(shards, this);
        if (key == null) {
            throw ShardKeys.nullKey(toString());
        }
        long[] continuum = continuums.computeIfAbsent(shards, this::build);
        long probe = entry(point(md5(keyBytes(key)), 0), 0);
        int index = Arrays.binarySearch(continuum, probe);
        if (index < 0) {
            index = -index - 1;
        }
        if (index == continuum.length) {
            index = 0;
        }
        return (int) continuum[index];
    }

    private byte[] keyBytes(Object key) {
        if (ShardKeys.isIntegral(key)) {
            return Long.toString(ShardKeys.integralValue(key)).getBytes(StandardCharsets.US_ASCII);
        }
        if (key instanceof UUID uuid) {
            return uuid.toString().getBytes(StandardCharsets.US_ASCII);
        }
        return ShardKeys.bytes(key, toString());
    }

    private long[] build(int shards) {
        long size = (long) shards * pointsPerNode;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("router " + this + " cannot build a continuum of " + size
                    + " points for shards=" + shards + "; lower pointsPerNode");
        }
        long[] continuum = new long[(int) size];
        int filled = 0;
        for (int node = 0; node < shards; node++) {
            for (int digestIndex = 0, made = 0; made < pointsPerNode; digestIndex++) {
                byte[] digest = md5((node + "-" + digestIndex).getBytes(StandardCharsets.US_ASCII));
                for (int k = 0; k < 4 && made < pointsPerNode; k++, made++) {
                    continuum[filled++] = entry(point(digest, k * 4), node);
                }
            }
        }
        Arrays.sort(continuum);
        return continuum;
    }

    /** Four digest bytes from {@code offset}, little-endian, as an unsigned 32-bit value. */
    private static long point(byte[] digest, int offset) {
        return (digest[offset] & 0xffL)
                | (digest[offset + 1] & 0xffL) << 8
                | (digest[offset + 2] & 0xffL) << 16
                | (digest[offset + 3] & 0xffL) << 24;
    }

    private static long entry(long point, int node) {
        return ((point << 32) ^ Long.MIN_VALUE) | node;
    }

    private static byte[] md5(byte[] bytes) {
        try {
            return MessageDigest.getInstance("MD5").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            // Every Java SE platform must provide MD5 (MessageDigest's contract), so this is a broken JVM.
            throw new IllegalStateException("this JVM provides no MD5 MessageDigest, which Java SE requires", e);
        }
    }

    @Override
    public String toString() {
        return "ketama(" + pointsPerNode + ")";
    }
}
