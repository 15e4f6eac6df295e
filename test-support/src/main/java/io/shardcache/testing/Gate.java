package io.shardcache.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/** Starts a stampede in a test: every thread waits on one gate, which opens once all are ready. */
public final class Gate {

    private Gate() {
    }

    /**
     * Runs {@code task} on {@code n} threads released at once, each with its index, and waits for
     * all of them (at most 60 s).
     *
     * @return each thread's outcome, in index order
     * @throws AssertionError if a thread is still running after 60 s
     */
    public static <T> List<Future<T>> run(int n, IntFunction<T> task) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch ready = new CountDownLatch(n);
        CountDownLatch gate = new CountDownLatch(1);
        List<Future<T>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int id = i;
            futures.add(pool.submit(() -> {
                ready.countDown();
                gate.await();
                return task.apply(id);
            }));
        }
        ready.await();
        gate.countDown();
        pool.shutdown();
        if (!pool.awaitTermination(60, TimeUnit.SECONDS))
            throw new AssertionError("callers still running 60 s after the gate opened");
        return futures;
    }
}
