package io.shardcache.sharding;

import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Makes {@link ShardIdLayout} IDs for one logical shard in Java, without a database round trip.
 *
 * <p><b>Algorithm.</b> The generator's whole state is the last ID it issued. A call reads the clock; if the
 * clock's millisecond is later than the last ID's, the new ID is that millisecond with sequence 0; otherwise
 * the new ID is the last ID plus one (same millisecond, next sequence). The new ID is published with a
 * compare-and-set on the last ID, retried on contention, so no lock is held and no carrier thread is pinned.
 *
 * <p><b>Invariants.</b> Every ID is strictly greater than every ID issued before it by this generator, so IDs
 * from one generator are unique and, per calling thread, increasing.
 * <ul>
 *   <li>The sequence never wraps: once {@value ShardIdLayout#SEQUENCES_PER_MILLISECOND} IDs were issued in
 *       one millisecond, callers wait (spinning, then parking in 100 µs steps) until the clock shows a later
 *       millisecond.</li>
 *   <li>A clock that steps back is not believed: the generator keeps issuing in the last ID's millisecond,
 *       continuing its sequence, until the clock catches up, and waits as above if that sequence runs out.
 *       A step back of D ms can thus block callers for up to D ms, but only after 1024 IDs in that one
 *       millisecond. The IDs' created-at stays at the last millisecond seen, never moves backwards.</li>
 * </ul>
 *
 * <p><b>Scope of uniqueness.</b> Uniqueness holds among the IDs of one generator instance. Two generators for
 * the same shard (in one JVM or in two processes) can make the same ID in the same millisecond: give each
 * writer process its own logical shard(s), keep one generator per shard, or make IDs in the database with
 * {@link NextIdFunction}.
 *
 * <p><b>Failures.</b> {@link #nextId()} throws {@link IllegalStateException} when the clock reads a time
 * before the layout's epoch (and no ID was issued yet) or after {@link ShardIdLayout#maxInstant()}, and when
 * the calling thread is interrupted while waiting for the clock (the interrupt flag stays set). Nothing is
 * issued in those cases. Thread-safe.
 */
public final class ShardIdGenerator {
    private static final long NONE = -1;
    private static final long SEQUENCE_MASK = ShardIdLayout.SEQUENCES_PER_MILLISECOND - 1;
    private static final long PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(100);

    private final ShardIdLayout layout;
    private final int shard;
    private final InstantSource clock;
    private final long epochMillis;
    /** The last ID issued, or {@link #NONE}. */
    private final AtomicLong last = new AtomicLong(NONE);

    private ShardIdGenerator(ShardIdLayout layout, int shard, InstantSource clock) {
        this.layout = Objects.requireNonNull(layout, "layout");
        ShardIdLayout.requireShard(shard);
        this.shard = shard;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.epochMillis = layout.epochMillis();
    }

    /**
     * A generator for {@code shard} reading time from {@code clock}.
     *
     * @throws IllegalArgumentException if {@code shard} is outside {@code [0, MAX_SHARDS)}
     */
    public static ShardIdGenerator forShard(ShardIdLayout layout, int shard, InstantSource clock) {
        return new ShardIdGenerator(layout, shard, clock);
    }

    /** A generator for {@code shard} on the system clock. */
    public static ShardIdGenerator forShard(ShardIdLayout layout, int shard) {
        return new ShardIdGenerator(layout, shard, InstantSource.system());
    }

    /**
     * The next ID: greater than every ID this generator issued before.
     *
     * @throws IllegalStateException if the clock is outside the layout's range, or the thread is interrupted
     *                               while waiting for the next millisecond
     */
    public long nextId() {
        while (true) {
            long previous = last.get();
            long now = clock.millis() - epochMillis;
            long lastMillis = previous == NONE ? -1 : previous >>> ShardIdLayout.TIMESTAMP_SHIFT;
            long next;
            if (previous == NONE || now > lastMillis) {
                next = layout.encode(requireInRange(now, previous), shard, 0);
            } else if ((previous & SEQUENCE_MASK) < SEQUENCE_MASK) {
                next = previous + 1;
            } else {
                awaitMillisAfter(lastMillis);
                continue;
            }
            if (last.compareAndSet(previous, next)) {
                return next;
            }
        }
    }

    /** The logical shard this generator's IDs carry. */
    public int shard() {
        return shard;
    }

    /** The layout of this generator's IDs. */
    public ShardIdLayout layout() {
        return layout;
    }

    private long requireInRange(long millisSinceEpoch, long previous) {
        if (millisSinceEpoch < 0) {
            // Only reachable before the first ID: later, a clock behind the last ID is not believed.
            throw new IllegalStateException("clock reads " + clock.instant() + ", before the ID epoch "
                    + layout.epoch() + "; shard " + shard + " cannot make an ID (last ID " + previous + ")");
        }
        if (millisSinceEpoch > ShardIdLayout.MAX_MILLIS_SINCE_EPOCH) {
            throw new IllegalStateException("clock reads " + clock.instant() + ", after the last instant IDs can"
                    + " carry, " + layout.maxInstant() + " (epoch " + layout.epoch() + "); shard " + shard
                    + " cannot make an ID (last ID " + previous + ")");
        }
        return millisSinceEpoch;
    }

    private void awaitMillisAfter(long lastMillis) {
        long behind;
        while ((behind = lastMillis - (clock.millis() - epochMillis)) >= 0) {
            if (Thread.currentThread().isInterrupted()) {
                throw new IllegalStateException("interrupted while waiting for the clock to pass millisecond "
                        + lastMillis + " after the epoch " + layout.epoch() + " (shard " + shard + ", "
                        + ShardIdLayout.SEQUENCES_PER_MILLISECOND + " IDs already issued in it)");
            }
            // Within the current millisecond a spin is cheaper than a park; a clock that stepped back may
            // need far longer, so park in short steps rather than burn a core.
            if (behind == 0) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(this, PARK_NANOS);
            }
        }
    }

    @Override
    public String toString() {
        return "ShardIdGenerator[shard=" + shard + ", epoch=" + layout.epoch() + ", lastId=" + last.get() + "]";
    }
}
