package io.shardcache.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waits in a test for what another thread, process or server does in its own time (a subscription
 * confirmed, a lock released, a query parked at a gate) by checking the condition itself until it
 * holds or a deadline passes: the one such loop for shardcache's tests, instead of a sleep that
 * guesses how long it takes, or a private loop per test class.
 *
 * <p>The condition is checked at once, then again after pauses that grow from 1 ms to
 * {@link #MAX_POLL_INTERVAL}, and once more when the deadline has passed. A wait that runs out throws an
 * {@link AssertionError} naming what was awaited, the timeout and the last state observed, so it reads
 * as a test failure. An interrupt ends the wait with {@link InterruptedException}. Conditions run on
 * the calling thread only. Stateless and thread-safe.
 */
public final class Eventually {

    /** The longest pause between two checks. */
    public static final Duration MAX_POLL_INTERVAL = Duration.ofMillis(50);

    private Eventually() {
    }

    /**
     * Reads a state that {@link #await(String, Duration, Probe, Predicate)} waits on.
     *
     * @param <T> the type of the state
     * @param <E> what reading it may throw
     */
    @FunctionalInterface
    public interface Probe<T, E extends Exception> {

        /**
         * Reads the state once.
         *
         * @return the state
         * @throws E if it cannot be read
         */
        T get() throws E;
    }

    /**
     * An action that {@link #awaitWorking} retries.
     *
     * @param <E> what it may throw
     */
    @FunctionalInterface
    public interface Action<E extends Exception> {

        /**
         * Does the action once.
         *
         * @throws E what went wrong; only the type given to {@link #awaitWorking} is retried
         */
        void run() throws E;
    }

    /**
     * Waits until {@code condition} holds.
     *
     * @param what what is awaited, for the failure message ("b's subscription")
     * @param timeout how long to wait at most
     * @param condition checked until it is true
     * @throws AssertionError if it is still false after {@code timeout}
     * @throws InterruptedException if the calling thread is interrupted while it waits
     */
    public static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        await(what, timeout, condition, () -> "false");
    }

    /**
     * Waits until {@code condition} holds; a failure describes the state with {@code state}.
     *
     * @param what what is awaited, for the failure message
     * @param timeout how long to wait at most
     * @param condition checked until it is true
     * @param state called once, when the wait has run out: what the failure message shows as the last state
     * @throws AssertionError if the condition is still false after {@code timeout}
     * @throws InterruptedException if the calling thread is interrupted while it waits
     */
    public static void await(String what, Duration timeout, BooleanSupplier condition, Supplier<?> state)
        throws InterruptedException {
        long deadline = deadline(timeout);
        for (long pause = 1; ; pause = next(pause)) {
            if (condition.getAsBoolean()) {
                return;
            }
            if (!pause(deadline, pause)) {
                throw new AssertionError(what + ": not within " + format(timeout) + "; last state: " + state.get());
            }
        }
    }

    /**
     * Observes a value until it is {@code done}, and returns it. Whatever {@code observe} throws ends
     * the wait at once: a check that fails (the server it asks is gone) is no reason to keep asking.
     *
     * @param what what is awaited, for the failure message ("3 queries parked at the gate")
     * @param timeout how long to wait at most
     * @param observe reads the state (a count, a list of keys, a health report)
     * @param done whether an observed value is the one awaited
     * @param <T> the type of the observed value
     * @param <E> what observing may throw
     * @return the first observed value that is {@code done}
     * @throws AssertionError if none was within {@code timeout}; its message shows the last value observed
     * @throws InterruptedException if the calling thread is interrupted while it waits
     * @throws E what {@code observe} threw
     */
    public static <T, E extends Exception> T await(String what, Duration timeout, Probe<T, E> observe, Predicate<? super T> done)
        throws E, InterruptedException {
        long deadline = deadline(timeout);
        for (long pause = 1; ; pause = next(pause)) {
            T value = observe.get();
            if (done.test(value)) {
                return value;
            }
            if (!pause(deadline, pause)) {
                throw new AssertionError(what + ": not within " + format(timeout) + "; last observed: " + value);
            }
        }
    }

    /**
     * Runs {@code action} until it no longer throws {@code retried}, such as a client's calls while it
     * is still connecting in the background. Any other exception, or an {@link Error} (a failed
     * assertion), ends the wait at once.
     *
     * @param what what is awaited, for the failure message ("a's first put")
     * @param timeout how long to keep retrying
     * @param retried the type of exception that means "not yet"
     * @param action what must work
     * @param <E> what {@code action} may throw
     * @throws AssertionError if {@code action} still threw {@code retried} after {@code timeout}; its cause is
     *         the last such exception
     * @throws InterruptedException if the calling thread is interrupted while it waits
     * @throws E whatever else {@code action} threw
     */
    public static <E extends Exception> void awaitWorking(String what, Duration timeout, Class<? extends Exception> retried,
                                                          Action<E> action) throws E, InterruptedException {
        long deadline = deadline(timeout);
        for (long pause = 1; ; pause = next(pause)) {
            try {
                action.run();
                return;
            } catch (Exception e) {
                if (!retried.isInstance(e)) {
                    throw e;
                }
                if (!pause(deadline, pause)) {
                    throw new AssertionError(what + ": still failing after " + format(timeout) + ": " + e, e);
                }
            }
        }
    }

    private static long deadline(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout is negative: " + timeout);
        }
        return System.nanoTime() + timeout.toNanos();
    }

    private static long next(long pauseMillis) {
        return Math.min(pauseMillis * 2, MAX_POLL_INTERVAL.toMillis());
    }

    /** Sleeps {@code pauseMillis}, or less if the deadline comes first; false if it has already passed. */
    private static boolean pause(long deadline, long pauseMillis) throws InterruptedException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return false;
        }
        Thread.sleep(Duration.ofNanos(Math.min(left, Duration.ofMillis(pauseMillis).toNanos())));
        return true;
    }

    private static String format(Duration timeout) {
        long millis = timeout.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }
}
