package io.shardcache.query.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A consistent-hashing ring of named nodes: each node takes {@code pointsPerNode} points, at the
 * first 8 bytes (big-endian) of the SHA-1 of {@code "<name>#<i>"}; a key belongs to the node of the
 * first point at or after the first 8 bytes of the SHA-1 of its UTF-8 bytes, wrapping around. Adding
 * or removing a node moves only the keys between its points and their predecessors. (Not libketama's
 * layout, which takes four points from each MD5 of {@code "<address>-<i>"}: this ring is shardcache's
 * own, and every process using it must name the same nodes the same way.)
 *
 * <p>Immutable and thread-safe; a lookup clones a prototype digest instead of looking one up.
 */
public final class HashRing {

    private static final MessageDigest PROTOTYPE;

    static {
        try {
            PROTOTYPE = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new ExceptionInInitializerError(new IllegalStateException("every JDK has SHA-1", e));
        }
    }

    private final NavigableMap<Long, String> points;

    /** A ring of {@code names}, each at {@code pointsPerNode} points (a clash keeps the first name's). */
    public HashRing(Collection<String> names, int pointsPerNode) {
        if (names.isEmpty())
            throw new IllegalArgumentException("a ring needs at least one node");
        TreeMap<Long, String> p = new TreeMap<>();
        for (String name : names)
            for (int i = 0; i < pointsPerNode; i++)
                p.putIfAbsent(hash(name + "#" + i), name);
        this.points = p;
    }

    /** The name of the node that holds {@code key}. */
    public String nodeOf(String key) {
        Map.Entry<Long, String> at = points.ceilingEntry(hash(key));
        return Objects.requireNonNull(at != null ? at : points.firstEntry(), "a ring has a node").getValue();
    }

    /** The first 8 bytes of the SHA-1 of {@code s}'s UTF-8 bytes, as a big-endian long. */
    static long hash(String s) {
        MessageDigest sha1;
        try {
            sha1 = (MessageDigest) PROTOTYPE.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's SHA-1 can be cloned", e);
        }
        byte[] d = sha1.digest(s.getBytes(StandardCharsets.UTF_8));
        long h = 0;
        for (int i = 0; i < 8; i++)
            h = h << 8 | (d[i] & 0xFF);
        return h;
    }
}
