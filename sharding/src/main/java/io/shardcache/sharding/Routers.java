package io.shardcache.sharding;

import io.shardcache.sharding.internal.IdEmbeddedRouter;
import io.shardcache.sharding.internal.JumpHashRouter;
import io.shardcache.sharding.internal.KetamaRouter;
import io.shardcache.sharding.internal.ModuloRouter;
import io.shardcache.sharding.internal.RangeRouter;
import io.shardcache.sharding.internal.RoundRobinRouter;

/**
 * The {@link ShardRouter}s shardcache ships: the routing schemes of nydus and Instagram, with fixed,
 * specified algorithms so a key maps to the same shard in every process for the life of the data.
 *
 * <h2>Keys</h2>
 * Hashing routers accept {@link Long}, {@link Integer}, {@link Short}, {@link Byte} (by value: {@code 7} and
 * {@code 7L} are the same key), {@link String} (UTF-8), {@link java.util.UUID} (its 16 bytes, most
 * significant first) and {@code byte[]}. The 64-bit hash of a non-integral key is {@code h1} of
 * MurmurHash3_x64_128 with seed 0 (equal to Guava's {@code Hashing.murmur3_128(0).hashBytes(b).asLong()});
 * integral keys that must be spread are mixed with SplitMix64 (add {@code 0x9e3779b97f4a7c15}, then the
 * Mix13 finalizer). A {@code null} key is refused with an {@link IllegalArgumentException} naming the router,
 * a key of another type with one naming the type.
 *
 * <h2>Which one</h2>
 * <ul>
 *   <li>{@link #jumpHash()}: the default choice: perfectly balanced, no memory, and growing from n to n+1
 *       shards moves only about {@code 1/(n+1)} of the keys.</li>
 *   <li>{@link #ketama()}: compatible with libketama/nydus continuums; moves about {@code 1/(n+1)} on growth
 *       too, balanced to within several percent with 160 points per shard.</li>
 *   <li>{@link #modulo()}: simplest; a shard-count change moves almost every key.</li>
 *   <li>{@link #range(long...)}, {@link #idEmbedded(ShardIdLayout)}: the key itself says where it lives.</li>
 *   <li>{@link #roundRobin()}: keyless work.</li>
 * </ul>
 *
 * <p>Every router returned is thread-safe and, except {@link #roundRobin()}, a pure function of key and shard
 * count. Routers fail only by {@link IllegalArgumentException}, for a bad key or a shard count they cannot
 * serve (below 1, or not the count of {@link #range(long...)} bounds).
 */
public final class Routers {
    /** Points per shard on the {@link #ketama()} continuum, as libketama and nydus use. */
    public static final int DEFAULT_KETAMA_POINTS_PER_NODE = 160;

    private Routers() {
    }

    /**
     * {@code floorMod(value, shards)} for integral keys; the unsigned remainder of the key's 64-bit hash by
     * {@code shards} for the others.
     */
    public static ShardRouter modulo() {
        return ModuloRouter.INSTANCE;
    }

    /**
     * Lamping and Veach's jump consistent hash (2014) of the key's 64-bit hash (integral keys mixed with
     * SplitMix64 first, since jump assumes uniformly distributed keys).
     */
    public static ShardRouter jumpHash() {
        return JumpHashRouter.INSTANCE;
    }

    /**
     * Ketama with {@value #DEFAULT_KETAMA_POINTS_PER_NODE} points per shard.
     *
     * @see #ketama(int)
     */
    public static ShardRouter ketama() {
        return ketama(DEFAULT_KETAMA_POINTS_PER_NODE);
    }

    /**
     * Ketama consistent hashing as libketama does it, with shard {@code s} as the node named {@code "s"}: each
     * shard gets {@code pointsPerNode} points from {@code MD5("<s>-<i>")}, 4 little-endian 32-bit points per
     * digest; a key goes to the first point at or after the first 4 bytes (little-endian) of the MD5 of its
     * text (decimal for integral keys, canonical text for UUIDs). The continuum for a shard count is built on
     * first use and kept for the life of the returned router ({@code 8 * shards * pointsPerNode} bytes), so
     * create the router once.
     *
     * @param pointsPerNode points per shard on the circle, at least 1; more points balance better
     * @throws IllegalArgumentException if {@code pointsPerNode < 1}
     */
    public static ShardRouter ketama(int pointsPerNode) {
        return new KetamaRouter(pointsPerNode);
    }

    /**
     * Ranges of integral keys: shard {@code i} owns {@code [upperBounds[i-1], upperBounds[i])}, shard 0 owns
     * everything below {@code upperBounds[0]}. A key at or above the last bound, or a shard count other than
     * {@code upperBounds.length}, is refused with an {@link IllegalArgumentException} naming the values.
     *
     * @param upperBounds the exclusive upper bound of each shard, strictly increasing; copied
     * @throws IllegalArgumentException if there are no bounds or they do not increase strictly
     */
    public static ShardRouter range(long... upperBounds) {
        return new RangeRouter(upperBounds);
    }

    /**
     * Ignores the key ({@code null} allowed) and cycles through the shards, for keyless work such as spreading
     * log writes. Each call returns a new router with its own counter, starting at shard 0; concurrent callers
     * of one router each take the next turn.
     */
    public static ShardRouter roundRobin() {
        return new RoundRobinRouter();
    }

    /**
     * Reads the logical shard from an ID made with {@code layout} (by {@link ShardIdGenerator} or the SQL
     * {@code next_id()} of {@link NextIdFunction}). Refuses a negative ID, a non-integral key, and an ID whose
     * shard is not below the shard count.
     *
     * @throws IllegalArgumentException if {@code layout} is null
     */
    public static ShardRouter idEmbedded(ShardIdLayout layout) {
        return new IdEmbeddedRouter(layout);
    }
}
