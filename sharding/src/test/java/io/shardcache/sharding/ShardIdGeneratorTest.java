package io.shardcache.sharding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardcache.testing.Eventually;
import io.shardcache.testing.Gate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ShardIdGeneratorTest {
    private static final Instant EPOCH = Instant.parse("2020-01-01T00:00:00Z");
    private static final ShardIdLayout LAYOUT = ShardIdLayout.withEpoch(EPOCH);
    private static final int SHARD = 7;

    @Test
    void eightThreadsGetUniqueIdsIncreasingPerThreadOnTheRealClock() throws Exception {
        ShardIdGenerator generator = ShardIdGenerator.forShard(LAYOUT, SHARD);
        int threads = 8;
        int perThread = 100_000;
        List<Future<long[]>> results = Gate.run(threads, t -> {
            long[] ids = new long[perThread];
            for (int i = 0; i < perThread; i++) {
                ids[i] = generator.nextId();
            }
            return ids;
        });
        long[] all = new long[threads * perThread];
        int filled = 0;
        for (Future<long[]> result : results) {
            long[] ids = result.get();
            for (int i = 1; i < ids.length; i++) {
                assertThat(ids[i]).as("id %d of a thread", i).isGreaterThan(ids[i - 1]);
            }
            System.arraycopy(ids, 0, all, filled, ids.length);
            filled += ids.length;
        }
        Arrays.sort(all);
        for (int i = 1; i < all.length; i++) {
            assertThat(all[i]).as("sorted id %d", i).isNotEqualTo(all[i - 1]);
        }
        assertThat(LAYOUT.decode(all[0]).shard()).isEqualTo(SHARD);
        assertThat(LAYOUT.decode(all[all.length - 1]).createdAt())
                .isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(1));
        long millis = LAYOUT.decode(all[all.length - 1]).createdAt().toEpochMilli()
                - LAYOUT.decode(all[0]).createdAt().toEpochMilli() + 1;
        System.out.printf("8 threads x 100k ids: %d unique ids over %d ms (%.0f per ms, cap 1024)%n",
                all.length, millis, (double) all.length / millis);
    }

    @Test
    void sequenceExhaustionWaitsForTheNextMillisecond() throws Exception {
        TestClock clock = new TestClock(EPOCH.plusSeconds(10).toEpochMilli());
        ShardIdGenerator generator = ShardIdGenerator.forShard(LAYOUT, SHARD, clock);
        for (int sequence = 0; sequence < 1024; sequence++) {
            assertThat(generator.nextId()).isEqualTo(LAYOUT.encode(10_000, SHARD, sequence));
        }
        CompletableFuture<Long> blocked = CompletableFuture.supplyAsync(generator::nextId);
        clock.awaitReads(1_000);
        assertThat(blocked).as("the 1025th id in one millisecond must wait for the clock").isNotDone();

        clock.set(EPOCH.plusSeconds(10).toEpochMilli() + 1);
        assertThat(blocked.get(10, TimeUnit.SECONDS)).isEqualTo(LAYOUT.encode(10_001, SHARD, 0));
    }

    @Test
    void clockSteppingBackKeepsTheLastMillisecondUntilTheClockCatchesUp() {
        long start = EPOCH.plusSeconds(100).toEpochMilli();
        TestClock clock = new TestClock(start);
        ShardIdGenerator generator = ShardIdGenerator.forShard(LAYOUT, SHARD, clock);
        long previous = -1;
        for (int i = 0; i < 10; i++) {
            previous = nextGreater(generator, previous);
        }
        // Back 50 ms, then forward one millisecond per clock read: the clock catches up after ~50 ids.
        clock.set(start - 50);
        clock.stepPerRead(1);
        for (int i = 0; i < 200; i++) {
            long id = nextGreater(generator, previous);
            ShardId decoded = LAYOUT.decode(id);
            if (i < 45) {
                assertThat(decoded).as("id %d while the clock is behind", i)
                        .isEqualTo(new ShardId(Instant.ofEpochMilli(start), SHARD, 10 + i));
            }
            previous = id;
        }
        assertThat(LAYOUT.decode(previous).createdAt()).isAfter(Instant.ofEpochMilli(start));
    }

    @Test
    void clockSteppingBackWaitsWhenTheLastMillisecondIsUsedUp() throws Exception {
        long start = EPOCH.plusSeconds(100).toEpochMilli();
        TestClock clock = new TestClock(start);
        ShardIdGenerator generator = ShardIdGenerator.forShard(LAYOUT, SHARD, clock);
        long previous = -1;
        for (int i = 0; i < 1000; i++) {
            previous = nextGreater(generator, previous);
        }
        clock.set(start - 1_000);
        for (int i = 1000; i < 1024; i++) {
            previous = nextGreater(generator, previous);
        }
        assertThat(LAYOUT.decode(previous)).isEqualTo(new ShardId(Instant.ofEpochMilli(start), SHARD, 1023));

        CompletableFuture<Long> blocked = CompletableFuture.supplyAsync(generator::nextId);
        clock.awaitReads(100);
        clock.set(start);
        clock.awaitReads(1_000);
        assertThat(blocked).as("the clock has not passed the used-up millisecond yet").isNotDone();

        clock.set(start + 1);
        long next = blocked.get(10, TimeUnit.SECONDS);
        assertThat(next).isGreaterThan(previous)
                .isEqualTo(LAYOUT.encode(start + 1 - EPOCH.toEpochMilli(), SHARD, 0));
    }

    @Test
    void aClockBeforeTheEpochIsRefusedBeforeTheFirstId() {
        TestClock clock = new TestClock(EPOCH.toEpochMilli() - 1);
        ShardIdGenerator generator = ShardIdGenerator.forShard(LAYOUT, SHARD, clock);
        assertThatThrownBy(generator::nextId).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("before the ID epoch " + EPOCH).hasMessageContaining("shard 7");

        clock.set(EPOCH.toEpochMilli());
        assertThat(generator.nextId()).isEqualTo(LAYOUT.encode(0, SHARD, 0));
    }

    @Test
    void aClockPastTheLastMillisecondIsRefused() {
        TestClock clock = new TestClock(LAYOUT.maxInstant().toEpochMilli());
        ShardIdGenerator generator = ShardIdGenerator.forShard(LAYOUT, SHARD, clock);
        assertThat(generator.nextId()).isPositive();
        clock.set(LAYOUT.maxInstant().toEpochMilli() + 1);
        assertThatThrownBy(generator::nextId).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("after the last instant IDs can carry, " + LAYOUT.maxInstant());
    }

    @Test
    void anInterruptedWaitFailsAndKeepsTheInterrupt() {
        TestClock clock = new TestClock(EPOCH.plusSeconds(1).toEpochMilli());
        ShardIdGenerator generator = ShardIdGenerator.forShard(LAYOUT, SHARD, clock);
        for (int i = 0; i < 1024; i++) {
            generator.nextId();
        }
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(generator::nextId).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("interrupted while waiting");
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void refusesAShardTheLayoutCannotCarry() {
        assertThatThrownBy(() -> ShardIdGenerator.forShard(LAYOUT, 8192))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shard 8192");
    }

    private static long nextGreater(ShardIdGenerator generator, long previous) {
        long id = generator.nextId();
        assertThat(id).isGreaterThan(previous);
        return id;
    }

    /** A clock the test sets; it counts reads so a test can tell a waiting generator is polling it. */
    private static final class TestClock implements InstantSource {
        private final AtomicLong millis;
        private final AtomicLong reads = new AtomicLong();
        private volatile long stepPerRead;

        TestClock(long millis) {
            this.millis = new AtomicLong(millis);
        }

        void set(long value) {
            millis.set(value);
        }

        void stepPerRead(long step) {
            stepPerRead = step;
        }

        /** Returns once the clock was read {@code count} more times; fails after 10 s. */
        void awaitReads(long count) throws InterruptedException {
            long target = reads.get() + count;
            Eventually.await(target + " reads of the clock", Duration.ofSeconds(10), () -> reads.get() >= target,
                () -> reads.get() + " reads");
        }

        @Override
        public long millis() {
            reads.incrementAndGet();
            return millis.getAndAdd(stepPerRead);
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }
    }
}
