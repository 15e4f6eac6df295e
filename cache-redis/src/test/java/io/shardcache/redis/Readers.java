package io.shardcache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardcache.testing.Eventually;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Threads that read keys 1..n over and over while a test breaks something under them, keeping every
 * wrong answer and every exception. {@link #close()} stops them and asserts there were neither.
 */
final class Readers implements AutoCloseable {

    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger reads = new AtomicInteger();
    private final List<String> wrong = new CopyOnWriteArrayList<>();
    private final List<Throwable> failed = new CopyOnWriteArrayList<>();
    private final ExecutorService threads;

    /** {@code read} gives key {@code id}'s answer; it must be {@code expected}'s. */
    Readers(int threadCount, int keys, IntFunction<List<String>> read, IntFunction<List<String>> expected) {
        threads = Executors.newFixedThreadPool(threadCount);
        for (int t = 0; t < threadCount; t++) {
            int offset = t;
            threads.submit(() -> {
                for (int i = offset; !stop.get(); i++) {
                    int id = 1 + i % keys;
                    try {
                        List<String> got = read.apply(id);
                        if (!got.equals(expected.apply(id)))
                            wrong.add(id + " -> " + got);
                        reads.incrementAndGet();
                    } catch (RuntimeException e) {
                        failed.add(e);
                    }
                }
            });
        }
    }

    /** Waits (at most 60 s) until {@code more} further reads have completed. */
    void awaitMore(int more) throws InterruptedException {
        int atLeast = reads.get() + more;
        Eventually.await(atLeast + " reads", Duration.ofSeconds(60), () -> reads.get() >= atLeast, () -> reads.get() + " reads");
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        threads.shutdown();
        assertThat(threads.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        assertThat(failed).as("callers that got an exception").isEmpty();
        assertThat(wrong).as("callers that got a wrong row").isEmpty();
    }
}
