package io.shardcache.query.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardcache.query.CacheBackendException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** Read coalescing, by its two rules: concurrent callers share one read; none shares a read sent before it began. */
class ReadCoalescerTest {

    final ReadCoalescer<String, Long> coalescer = new ReadCoalescer<>();
    final AtomicInteger reads = new AtomicInteger();
    final AtomicInteger coalesced = new AtomicInteger();

    @Test
    void callersThatAllStartedBeforeTheReadWasSentShareIt() throws Exception {
        int callers = 50;
        CountDownLatch release = new CountDownLatch(1);
        long started = coalescer.start();   // every caller began before any read was sent
        List<Long> got = run(callers, i -> coalescer.read("k", started, () -> {
            reads.incrementAndGet();
            await(release);
            return 7L;
        }, coalesced::incrementAndGet), () -> {
            waitUntil(() -> coalesced.get() == callers - 1);
            release.countDown();
        });

        assertThat(reads).hasValue(1);
        assertThat(coalesced).hasValue(callers - 1);
        assertThat(got).hasSize(callers).containsOnly(7L);
        assertThat(coalescer.keysInFlight()).isZero();
    }

    @Test
    void callersThatStartedWhileAReadWasOnItsWayShareTheNextOneNotThatOne() throws Exception {
        CountDownLatch firstSent = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicLong value = new AtomicLong();
        Thread first = Thread.ofPlatform().start(() -> coalescer.read("k", coalescer.start(), () -> {
            reads.incrementAndGet();
            firstSent.countDown();
            await(release);
            return value.incrementAndGet();   // 1: what the backend held before the later callers began
        }, coalesced::incrementAndGet));
        assertThat(firstSent.await(10, TimeUnit.SECONDS)).isTrue();

        int later = 20;
        List<Long> got = run(later, i -> coalescer.read("k", coalescer.start(), () -> {
            reads.incrementAndGet();
            return value.incrementAndGet();
        }, coalesced::incrementAndGet), () -> {
            waitUntil(() -> coalesced.get() == later - 1);   // one sends the next read, the others wait to share it
            release.countDown();
        });
        first.join();

        assertThat(reads).as("the first read, then one for all who began after it was sent").hasValue(2);
        assertThat(got).containsOnly(2L);
        assertThat(coalescer.keysInFlight()).isZero();
    }

    @Test
    void aFailedReadFailsEveryCallerThatSharedItAndTheNextCallerReadsAgain() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        long started = coalescer.start();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        run(10, i -> {
            try {
                return coalescer.read("k", started, () -> {
                    reads.incrementAndGet();
                    await(release);
                    throw new CacheBackendException("connection reset");
                }, coalesced::incrementAndGet);
            } catch (CacheBackendException e) {
                failures.add(e);
                return 0L;
            }
        }, () -> {
            waitUntil(() -> coalesced.get() == 9);
            release.countDown();
        });

        assertThat(reads).hasValue(1);
        assertThat(failures).hasSize(10).allSatisfy(e -> assertThat(e).hasMessageContaining("connection reset"));
        assertThat(coalescer.read("k", coalescer.start(), () -> 3L, coalesced::incrementAndGet)).isEqualTo(3L);
        assertThatThrownBy(() -> coalescer.read("k", coalescer.start(), () -> {
            throw new IllegalStateException("bug");
        }, coalesced::incrementAndGet)).isInstanceOf(IllegalStateException.class);
        assertThat(coalescer.keysInFlight()).isZero();
    }

    /**
     * Generated load: threads read random keys with random read times; each read returns the number of the
     * moment it was sent on one clock that callers also stamp their start on. No caller may get a read sent
     * before it started, and most callers of a hot key share.
     */
    @Test
    void underGeneratedLoadNoCallerGetsAReadSentBeforeItStarted() throws Exception {
        AtomicLong clock = new AtomicLong();
        AtomicInteger early = new AtomicInteger();
        AtomicInteger calls = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            SplittableRandom random = new SplittableRandom(t);
            threads.add(Thread.ofPlatform().start(() -> {
                for (int n = 0; n < 2_000; n++) {
                    String key = "k" + (random.nextInt(4) == 0 ? random.nextInt(20) : 0);   // one hot key
                    long myStart = clock.incrementAndGet();
                    long started = coalescer.start();
                    int pause = random.nextInt(50_000);
                    long sentAt = coalescer.read(key, started, () -> {
                        reads.incrementAndGet();
                        long at = clock.incrementAndGet();
                        LockSupport.parkNanos(pause);
                        return at;
                    }, coalesced::incrementAndGet);
                    calls.incrementAndGet();
                    if (sentAt < myStart)
                        early.incrementAndGet();
                }
            }));
        }
        for (Thread t : threads)
            t.join();

        assertThat(early).as("reads sent before their caller started").hasValue(0);
        assertThat(reads.get() + coalesced.get()).isEqualTo(calls.get());
        assertThat(coalesced.get()).as("some reads were shared").isPositive();
        assertThat(coalescer.keysInFlight()).isZero();
    }

    interface Call {
        long call(int i);
    }

    /** Runs {@code n} callers at once, then {@code meanwhile} on this thread, and returns what each got. */
    private static List<Long> run(int n, Call call, Runnable meanwhile) throws Exception {
        Queue<Long> got = new ConcurrentLinkedQueue<>();
        Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int index = i;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    got.add(call.call(index));
                } catch (Throwable t) {
                    errors.add(t);
                }
            }));
        }
        meanwhile.run();
        for (Thread t : threads)
            t.join(30_000);
        assertThat(errors).isEmpty();
        return new ArrayList<>(got);
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS))
                throw new AssertionError("not released within 30 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline)
                throw new AssertionError("condition not met within 30 s");
            LockSupport.parkNanos(1_000_000);
        }
    }
}
