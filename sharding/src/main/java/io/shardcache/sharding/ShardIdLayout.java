package io.shardcache.sharding;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * Instagram's 64-bit shard-carrying ID layout: from the top, 41 bits of milliseconds since a custom epoch,
 * 13 bits of logical shard, 10 bits of sequence:
 * <pre>
 *   id = millisSinceEpoch &lt;&lt; 23 | shard &lt;&lt; 10 | sequence
 * </pre>
 * IDs sort by creation time, carry their shard (so {@link Routers#idEmbedded(ShardIdLayout)} routes them with
 * no lookup) and are made without coordination: in Java by {@link ShardIdGenerator}, in PostgreSQL by the
 * {@code next_id()} function of {@link NextIdFunction}.
 *
 * <p><b>Range.</b> The 41 time bits include the sign bit of a Java {@code long} and a PostgreSQL
 * {@code bigint}, so IDs are positive only while the time is below 2<sup>40</sup> ms, about 34.8 years after
 * the epoch; after that they would turn negative and break ordering. This layout therefore accepts times in
 * {@code [epoch, epoch + }{@link #MAX_MILLIS_SINCE_EPOCH}{@code ]} only, refuses anything else with an
 * {@link IllegalArgumentException}, and {@link #decode(long)} refuses negative IDs. Pick an epoch close to
 * the first ID and never change it once IDs exist.
 *
 * <p>An immutable value, safe to share between threads.
 *
 * @param epoch the instant that is millisecond 0; a whole millisecond, not before 1970-01-01T00:00:00Z and not
 *              after 9999-12-31T23:59:59.999Z
 */
public record ShardIdLayout(Instant epoch) {
    /** Bits of milliseconds since the epoch, the ID's top bits. */
    public static final int TIMESTAMP_BITS = 41;
    /** Bits of logical shard, in the middle. */
    public static final int SHARD_BITS = 13;
    /** Bits of per-millisecond sequence, the ID's low bits. */
    public static final int SEQUENCE_BITS = 10;
    /** Logical shards an ID can carry: 8192. */
    public static final int MAX_SHARDS = 1 << SHARD_BITS;
    /** IDs one shard can make in one millisecond: 1024. */
    public static final int SEQUENCES_PER_MILLISECOND = 1 << SEQUENCE_BITS;
    /**
     * The latest millisecond an ID can carry: 2<sup>40</sup> - 1 (about 34.8 years), not 2<sup>41</sup> - 1,
     * because the 41st bit is the sign bit and IDs stay positive.
     */
    public static final long MAX_MILLIS_SINCE_EPOCH = (1L << (TIMESTAMP_BITS - 1)) - 1;
    /** Where the shard bits start. */
    public static final int SHARD_SHIFT = SEQUENCE_BITS;
    /** Where the time bits start. */
    public static final int TIMESTAMP_SHIFT = SHARD_BITS + SEQUENCE_BITS;
    // Before DEFAULT: its constructor reads this.
    private static final Instant LATEST_EPOCH = Instant.parse("9999-12-31T23:59:59.999Z");
    /** The epoch of {@link #DEFAULT}: 2025-01-01T00:00:00Z. */
    public static final Instant DEFAULT_EPOCH = Instant.parse("2025-01-01T00:00:00Z");
    /** The layout with {@link #DEFAULT_EPOCH}; IDs stay positive until 2059-11-04. */
    public static final ShardIdLayout DEFAULT = new ShardIdLayout(DEFAULT_EPOCH);

    static {
        // The widths are one layout; a change to one must be a deliberate change to all.
        if (TIMESTAMP_BITS + SHARD_BITS + SEQUENCE_BITS != Long.SIZE) {
            throw new AssertionError("ID layout widths do not add up to 64 bits");
        }
    }

    public ShardIdLayout {
        Objects.requireNonNull(epoch, "epoch");
        if (!epoch.truncatedTo(ChronoUnit.MILLIS).equals(epoch)) {
            throw new IllegalArgumentException("epoch " + epoch + " has a fraction of a millisecond; IDs count "
                    + "whole milliseconds, so give a whole millisecond");
        }
        if (epoch.isBefore(Instant.EPOCH) || epoch.isAfter(LATEST_EPOCH)) {
            throw new IllegalArgumentException("epoch " + epoch + " is outside " + Instant.EPOCH + ".."
                    + LATEST_EPOCH);
        }
    }

    /** Shorthand for {@code new ShardIdLayout(epoch)}. */
    public static ShardIdLayout withEpoch(Instant epoch) {
        return new ShardIdLayout(epoch);
    }

    /** The epoch in milliseconds since 1970-01-01T00:00:00Z, as the SQL {@code next_id()} uses it. */
    public long epochMillis() {
        return epoch.toEpochMilli();
    }

    /** The latest instant an ID can carry: {@code epoch + MAX_MILLIS_SINCE_EPOCH} ms. */
    public Instant maxInstant() {
        return epoch.plusMillis(MAX_MILLIS_SINCE_EPOCH);
    }

    /**
     * Whole milliseconds from the epoch to {@code instant} (rounded down).
     *
     * @throws IllegalArgumentException if {@code instant} is before the epoch or after {@link #maxInstant()}
     */
    public long millisSinceEpoch(Instant instant) {
        Objects.requireNonNull(instant, "instant");
        if (instant.isBefore(epoch) || instant.isAfter(maxInstant().plusNanos(999_999))) {
            throw new IllegalArgumentException("time " + instant + " is outside the ID range of this layout: "
                    + epoch + " .. " + maxInstant() + " (41 time bits, positive IDs)");
        }
        // Both lie after 1970, where toEpochMilli rounds down, and the epoch is a whole millisecond.
        return instant.toEpochMilli() - epoch.toEpochMilli();
    }

    /**
     * The ID of the given parts.
     *
     * @throws IllegalArgumentException naming the part that does not fit its bits
     */
    public long encode(long millisSinceEpoch, int shard, int sequence) {
        if (millisSinceEpoch < 0 || millisSinceEpoch > MAX_MILLIS_SINCE_EPOCH) {
            throw new IllegalArgumentException("millisSinceEpoch " + millisSinceEpoch + " is outside 0.."
                    + MAX_MILLIS_SINCE_EPOCH + " (epoch " + epoch + ")");
        }
        requireShard(shard);
        if (sequence < 0 || sequence >= SEQUENCES_PER_MILLISECOND) {
            throw new IllegalArgumentException("sequence " + sequence + " is outside 0.."
                    + (SEQUENCES_PER_MILLISECOND - 1));
        }
        return millisSinceEpoch << TIMESTAMP_SHIFT | (long) shard << SHARD_SHIFT | sequence;
    }

    /**
     * The ID of the given parts, the time rounded down to its millisecond.
     *
     * @throws IllegalArgumentException if the time is outside this layout's range or a part does not fit
     */
    public long encode(Instant createdAt, int shard, int sequence) {
        return encode(millisSinceEpoch(createdAt), shard, sequence);
    }

    /**
     * The parts of {@code id}.
     *
     * @throws IllegalArgumentException if {@code id} is negative, which no ID of this layout is
     */
    public ShardId decode(long id) {
        requireId(id);
        return new ShardId(epoch.plusMillis(id >>> TIMESTAMP_SHIFT), shardBits(id),
                (int) (id & (SEQUENCES_PER_MILLISECOND - 1)));
    }

    /**
     * The logical shard carried by {@code id}, without decoding the rest.
     *
     * @throws IllegalArgumentException if {@code id} is negative
     */
    public int shardOf(long id) {
        requireId(id);
        return shardBits(id);
    }

    /** The smallest ID made at {@code millisSinceEpoch} by any shard: a lower bound for time-range queries. */
    public long firstIdAt(long millisSinceEpoch) {
        return encode(millisSinceEpoch, 0, 0);
    }

    static void requireShard(int shard) {
        if (shard < 0 || shard >= MAX_SHARDS) {
            throw new IllegalArgumentException("shard " + shard + " is outside 0.." + (MAX_SHARDS - 1)
                    + " (" + SHARD_BITS + " shard bits)");
        }
    }

    private static int shardBits(long id) {
        return (int) ((id >>> SHARD_SHIFT) & (MAX_SHARDS - 1));
    }

    private void requireId(long id) {
        if (id < 0) {
            throw new IllegalArgumentException("ID " + id + " is negative: not an ID of this layout (epoch "
                    + epoch + "), whose IDs are positive");
        }
    }
}
