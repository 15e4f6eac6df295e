package io.shardcache.query.spi;

import io.shardcache.query.CacheBackendException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The circuit breaker of one server, or of a whole backend: what a {@code CachingDSL} puts around a
 * backend, and what a backend made of several servers keeps per server
 * ({@link CacheBackend#breaksPerServer()}). Made by {@link CircuitBreakers#circuit}.
 *
 * <h2>States</h2>
 * <ul>
 * <li><b>Closed</b>: calls go through. {@code failures} consecutive {@link CacheBackendException}s
 *     open the circuit; any success resets the count.</li>
 * <li><b>Open</b> for {@code openFor}: {@link #admit()} fails at once with a
 *     {@link CacheBackendException} naming the server, how long ago the circuit opened and the last
 *     failure; the caller then follows its region's {@code onBackendFailure} as for any backend
 *     failure (by default the query runs on the database).</li>
 * <li><b>Half-open</b> after {@code openFor}: one call at a time is admitted as a probe; the others
 *     still fail at once. A successful probe closes the circuit, a failed one opens it for another
 *     {@code openFor}.</li>
 * </ul>
 * Work that must reach the server as soon as it answers (the generation bumps of writes made while
 * it did not) is admitted as a probe at its own pace by {@link #admitNow()}.
 *
 * <p>A call is {@linkplain #admit() admitted}, made, and then reported exactly once:
 * {@link #succeeded}, {@link #failed} or, when it ended by an exception that says nothing of the
 * server, {@link #abandoned}. {@link #call} does all three for a call to one server; a call that
 * spans several servers admits each server's circuit and reports to each what its part did.
 *
 * <p>Thread-safe. Admitting and reporting in the closed state read two volatile fields and write
 * nothing unless a failure count has to be reset, so the hit path stays free of shared writes.
 */
public final class Circuit {

    /** How a call was admitted: what it must hand back when it reports. */
    public enum Admission {
        /** The circuit was closed. */
        CLOSED,
        /** The circuit was open, and this call is its one probe. */
        PROBE
    }

    private final String name;
    private final int threshold;
    private final long openForMillis;
    private final InstantSource clock;
    private final CacheListener listener;
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicBoolean probing = new AtomicBoolean();
    /** 0 while closed; else when the circuit opened, in the clock's millis. */
    private volatile long openedAt;
    private volatile @Nullable CacheBackendException lastFailure;

    /**
     * A closed circuit for the server {@code name} (as the listener and messages name it).
     *
     * @throws IllegalArgumentException if {@code failures < 1} or {@code openFor} is not positive
     */
    public Circuit(String name, int failures, Duration openFor, InstantSource clock, CacheListener listener) {
        Objects.requireNonNull(name, "name");
        CircuitSettings.check(failures, openFor);
        this.name = name;
        this.threshold = failures;
        this.openForMillis = openFor.toMillis();
        this.clock = Objects.requireNonNull(clock, "clock");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** The server this circuit guards, as messages name it. */
    public String name() {
        return name;
    }

    /**
     * Admits a call: at once while closed; as the probe once the circuit has been open for
     * {@code openFor} and no other call is probing.
     *
     * @throws CacheBackendException if the circuit is open and this call may not probe
     */
    public Admission admit() {
        long opened = openedAt;
        if (opened == 0)
            return Admission.CLOSED;
        long now = clock.millis();
        if (now - opened < openForMillis || !probing.compareAndSet(false, true))
            throw open(now, opened);
        return Admission.PROBE;
    }

    /**
     * Admits a call as a probe even if the circuit opened less than {@code openFor} ago: for work
     * that must reach the server as soon as it answers, retried by its caller at its own pace (unlike
     * a read, such a retry costs no caller a wait).
     *
     * @throws CacheBackendException while another probe is under way
     */
    public Admission admitNow() {
        long opened = openedAt;
        if (opened == 0)
            return Admission.CLOSED;
        if (!probing.compareAndSet(false, true))
            throw open(clock.millis(), opened);
        return Admission.PROBE;
    }

    /** The admitted call succeeded: the failure count resets, and a probe closes the circuit. */
    public void succeeded(Admission admission) {
        if (admission == Admission.PROBE) {
            long opened = openedAt;
            failures.set(0);
            openedAt = 0;
            probing.set(false);
            if (opened != 0)
                tell(() -> listener.circuitClosed(name, Duration.ofMillis(clock.millis() - opened)));
        } else if (failures.get() != 0) {
            failures.set(0);
        }
    }

    /** The admitted call failed with {@code error}: counted, and a failed probe opens the circuit again. */
    public void failed(Admission admission, CacheBackendException error) {
        Objects.requireNonNull(error, "error");
        lastFailure = error;
        if (admission == Admission.PROBE) {
            openedAt = Math.max(1, clock.millis());
            probing.set(false);
        } else if (failures.incrementAndGet() >= threshold && openedAt == 0) {
            openedAt = Math.max(1, clock.millis());
            tell(() -> listener.circuitOpened(name, Duration.ofMillis(openForMillis), error));
        }
    }

    /** The admitted call ended by an exception that says nothing of the server: a probe lets the next call probe. */
    public void abandoned(Admission admission) {
        if (admission == Admission.PROBE)
            probing.set(false);
    }

    /** Admits {@code op} ({@link #admit}), runs it, and reports what it did. */
    public <T extends @Nullable Object> T call(Supplier<T> op) {
        return run(admit(), op);
    }

    /** Admits {@code op} as {@link #admitNow} does, runs it, and reports what it did. */
    public <T extends @Nullable Object> T callNow(Supplier<T> op) {
        return run(admitNow(), op);
    }

    private <T extends @Nullable Object> T run(Admission admission, Supplier<T> op) {
        T result;
        try {
            result = op.get();
        } catch (CacheBackendException e) {
            failed(admission, e);
            throw e;
        } catch (RuntimeException | Error e) {
            abandoned(admission);
            throw e;
        }
        succeeded(admission);
        return result;
    }

    /** A listener's exception never fails a read. */
    private static void tell(Runnable event) {
        try {
            event.run();
        } catch (RuntimeException e) {
            System.getLogger(Circuit.class.getName()).log(System.Logger.Level.WARNING, "cache listener failed", e);
        }
    }

    private CacheBackendException open(long now, long opened) {
        CacheBackendException last = lastFailure;
        String message = "cache backend " + name + " is not called: its circuit opened "
            + (now - opened) + " ms ago after " + threshold + " consecutive failures (probing again every "
            + openForMillis + " ms); last failure: " + (last == null ? "none" : last.getMessage());
        return last == null ? new CacheBackendException(message) : new CacheBackendException(message, last);
    }

    /**
     * The circuit as it is now.
     *
     * @param openForMillis  how long it has been open, or 0 while closed
     * @param probeDue       open for {@code openFor} or longer: the next call goes through as the probe
     *                       (unless another call is probing right now)
     * @param failures       consecutive failures counted so far
     * @param threshold      failures that open it
     * @param lastFailure    the last failure's message, or null
     */
    public record State(long openForMillis, boolean probeDue, int failures, int threshold, @Nullable String lastFailure) {
        public boolean open() {
            return openForMillis > 0;
        }
    }

    public State state() {
        long opened = openedAt;
        CacheBackendException last = lastFailure;
        long openFor = opened == 0 ? 0 : Math.max(1, clock.millis() - opened);
        return new State(openFor, openFor >= openForMillis, failures.get(), threshold,
            last == null ? null : last.getMessage());
    }

    @Override
    public String toString() {
        State s = state();
        return "Circuit[" + name + (s.open() ? ", open for " + s.openForMillis() + " ms" : ", closed, " + s.failures() + " failures") + "]";
    }
}
