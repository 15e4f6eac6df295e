package io.shardcache.sharding;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A switchman-style global ID: a row's local ID on its shard, made unique across shards as
 * {@code shard * 10^13 + local}, for references that cross shards. Its short form is {@code "<shard>~<local>"}
 * ({@code 2~1} for local ID 1 on shard 2), which {@link #format()} writes and {@link #parse(String)} reads.
 * Shard 0's global IDs equal its local IDs.
 *
 * <p>Local IDs must be below 10<sup>13</sup> and shards at most {@link #MAX_SHARD}, so every global ID fits a
 * positive {@code long}. These are switchman's decimal shard IDs, not the bit fields of {@link ShardIdLayout}
 * (whose IDs are already unique across shards).
 *
 * <p>An immutable value, safe to share. Bad input fails with an {@link IllegalArgumentException} that quotes
 * it and says which part is wrong.
 *
 * @param shard the shard, in {@code [0, MAX_SHARD]}
 * @param local the ID on that shard, in {@code [0, 10^13)}
 */
public record GlobalId(int shard, long local) {
    /** The multiplier of the shard: 10<sup>13</sup>. Local IDs are below it. */
    public static final long SHARD_MULTIPLIER = 10_000_000_000_000L;
    /** The largest shard whose every global ID fits a {@code long}: 922336. */
    public static final int MAX_SHARD = (int) ((Long.MAX_VALUE - (SHARD_MULTIPLIER - 1)) / SHARD_MULTIPLIER);

    private static final Pattern SHORT_FORM = Pattern.compile("([0-9]{1,10})~([0-9]{1,19})");

    public GlobalId {
        if (shard < 0 || shard > MAX_SHARD) {
            throw new IllegalArgumentException("global id shard " + shard + " is outside 0.." + MAX_SHARD);
        }
        if (local < 0 || local >= SHARD_MULTIPLIER) {
            throw new IllegalArgumentException("global id local part " + local + " is outside 0.."
                    + (SHARD_MULTIPLIER - 1) + " (shard " + shard + ")");
        }
    }

    /** Shorthand for {@code new GlobalId(shard, local)}. */
    public static GlobalId of(int shard, long local) {
        return new GlobalId(shard, local);
    }

    /**
     * The parts of a global ID.
     *
     * @throws IllegalArgumentException if {@code id} is negative
     */
    public static GlobalId fromLong(long id) {
        if (id < 0) {
            throw new IllegalArgumentException("global id " + id + " is negative");
        }
        return new GlobalId((int) (id / SHARD_MULTIPLIER), id % SHARD_MULTIPLIER);
    }

    /**
     * The shard of a global ID: {@code id / 10^13}.
     *
     * @throws IllegalArgumentException if {@code id} is negative
     */
    public static int shardOf(long id) {
        return fromLong(id).shard();
    }

    /**
     * The local part of a global ID: {@code id % 10^13}.
     *
     * @throws IllegalArgumentException if {@code id} is negative
     */
    public static long localOf(long id) {
        return fromLong(id).local();
    }

    /**
     * Reads the short form {@code "<shard>~<local>"}: decimal digits only on both sides, no sign, no spaces.
     *
     * @throws IllegalArgumentException if {@code text} is null, not in that form, or a part is out of range
     */
    public static GlobalId parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("global id text is null; expected <shard>~<local>, e.g. 2~1");
        }
        Matcher matcher = SHORT_FORM.matcher(text);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("global id '" + text + "' is not in the short form <shard>~<local>"
                    + " (decimal digits on both sides, e.g. 2~1)");
        }
        // At most 10 and 19 digits: both fit a long, so parsing cannot fail; the record checks the ranges.
        long shard = Long.parseLong(matcher.group(1));
        long local = Long.parseLong(matcher.group(2));
        if (shard > MAX_SHARD) {
            throw new IllegalArgumentException("global id '" + text + "' has shard " + shard + ", outside 0.."
                    + MAX_SHARD);
        }
        if (local >= SHARD_MULTIPLIER) {
            throw new IllegalArgumentException("global id '" + text + "' has local part " + local
                    + ", outside 0.." + (SHARD_MULTIPLIER - 1));
        }
        return new GlobalId((int) shard, local);
    }

    /**
     * The short form of a global ID.
     *
     * @throws IllegalArgumentException if {@code id} is negative
     */
    public static String format(long id) {
        return fromLong(id).format();
    }

    /** {@code shard * 10^13 + local}. */
    public long toLong() {
        return shard * SHARD_MULTIPLIER + local;
    }

    /** The short form, {@code "<shard>~<local>"}. */
    public String format() {
        return shard + "~" + local;
    }

    /** The short form, as {@link #format()}. */
    @Override
    public String toString() {
        return format();
    }
}
