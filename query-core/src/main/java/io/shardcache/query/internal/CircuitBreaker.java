package io.shardcache.query.internal;

import io.shardcache.query.CacheBackendException;
import io.shardcache.query.spi.CacheBackend;
import io.shardcache.query.spi.CacheListener;
import io.shardcache.query.spi.RegenerationLocks;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A backend behind a circuit breaker, so that a cache that is down or black-holed costs its command
 * timeout a few times, not on every read.
 *
 * <h2>States</h2>
 * <ul>
 * <li><b>Closed</b>: calls go through. {@code failures} consecutive {@link CacheBackendException}s
 *     open the circuit; any success resets the count.</li>
 * <li><b>Open</b> for {@code openFor}: every call fails at once with a {@link CacheBackendException}
 *     naming the backend, how long ago the circuit opened and the last failure; the engine then
 *     follows the region's {@code onBackendFailure} as for any backend failure (by default the query
 *     runs on the database).</li>
 * <li><b>Half-open</b> after {@code openFor}: one call at a time goes through as a probe; the
 *     others still fail at once. A successful probe closes the circuit, a failed one opens it for
 *     another {@code openFor}.</li>
 * </ul>
 * So after the backend returns, hits resume within {@code openFor} plus one call. Work that must
 * reach the backend as soon as it answers (the generation bumps of writes made while it did not)
 * probes it at its own pace through {@link #probeNow}, and closes the circuit the moment one lands.
 *
 * <p>Releasing a lease always goes through: a lock left held only costs its lease, but releasing
 * promptly lets others in. {@link #close()} does not close the delegate, which its creator owns.
 *
 * <p>Thread-safe. A call in the closed state reads two volatile fields and writes nothing unless a
 * failure count has to be reset, so the hit path stays free of shared writes.
 */
public final class CircuitBreaker implements CacheBackend {

    private final CacheBackend delegate;
    private final int threshold;
    private final long openForMillis;
    private final InstantSource clock;
    private final CacheListener listener;
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicBoolean probing = new AtomicBoolean();
    /** 0 while closed; else when the circuit opened, in the clock's millis. */
    private volatile long openedAt;
    private volatile @Nullable CacheBackendException lastFailure;
    private final RegenerationLocks locks;

    public CircuitBreaker(CacheBackend delegate, int failures, Duration openFor, InstantSource clock, CacheListener listener) {
        if (failures < 1)
            throw new IllegalArgumentException("circuit breaker failures must be at least 1, got " + failures);
        if (openFor.isNegative() || openFor.isZero())
            throw new IllegalArgumentException("circuit breaker openFor must be positive, got " + openFor);
        this.delegate = delegate;
        this.threshold = failures;
        this.openForMillis = openFor.toMillis();
        this.clock = clock;
        this.listener = listener;
        this.locks = new BreakerLocks();
    }

    private <T extends @Nullable Object> T call(Supplier<T> op) {
        long opened = openedAt;
        if (opened == 0)
            return closed(op);
        long now = clock.millis();
        if (now - opened < openForMillis || !probing.compareAndSet(false, true))
            throw open(now, opened);
        return probe(op, now, opened);
    }

    /**
     * Calls {@code op} on the backend now, as a probe even if the circuit opened less than
     * {@code openFor} ago: for work that must reach the backend as soon as it answers (generation
     * bumps of writes made while it did not), retried by its caller at its own pace. Unlike a read,
     * such a retry costs no caller a wait. Fails at once, without calling, while another probe is
     * under way.
     */
    public <T extends @Nullable Object> T probeNow(java.util.function.Function<CacheBackend, T> op) {
        long opened = openedAt;
        if (opened == 0)
            return closed(() -> op.apply(delegate));
        long now = clock.millis();
        if (!probing.compareAndSet(false, true))
            throw open(now, opened);
        return probe(() -> op.apply(delegate), now, opened);
    }

    /** Runs {@code op} as the one probe ({@link #probing} is set): success closes the circuit, failure re-opens it. */
    private <T extends @Nullable Object> T probe(Supplier<T> op, long now, long opened) {
        try {
            T result = op.get();
            failures.set(0);
            openedAt = 0;
            tell(() -> listener.circuitClosed(delegate.describe(), Duration.ofMillis(now - opened)));
            return result;
        } catch (CacheBackendException e) {
            lastFailure = e;
            openedAt = Math.max(1, clock.millis());
            throw e;
        } finally {
            probing.set(false);
        }
    }

    private <T extends @Nullable Object> T closed(Supplier<T> op) {
        try {
            T result = op.get();
            if (failures.get() != 0)
                failures.set(0);
            return result;
        } catch (CacheBackendException e) {
            lastFailure = e;
            if (failures.incrementAndGet() >= threshold && openedAt == 0) {
                openedAt = Math.max(1, clock.millis());
                tell(() -> listener.circuitOpened(delegate.describe(), Duration.ofMillis(openForMillis), e));
            }
            throw e;
        }
    }

    /** A listener's exception never fails a read. */
    private static void tell(Runnable event) {
        try {
            event.run();
        } catch (RuntimeException e) {
            System.getLogger(CircuitBreaker.class.getName()).log(System.Logger.Level.WARNING, "cache listener failed", e);
        }
    }

    private CacheBackendException open(long now, long opened) {
        CacheBackendException last = lastFailure;
        String message = "cache backend " + delegate.describe() + " is not called: its circuit opened "
            + (now - opened) + " ms ago after " + threshold + " consecutive failures (probing again every "
            + openForMillis + " ms); last failure: " + (last == null ? "none" : last.getMessage());
        return last == null ? new CacheBackendException(message) : new CacheBackendException(message, last);
    }

    /**
     * The circuit as it is now, without calling the backend.
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
    public byte @Nullable [] get(String region, String key) {
        return call(() -> delegate.get(region, key));
    }

    @Override
    public Read read(String region, String key, List<String> counters) {
        return call(() -> delegate.read(region, key, counters));
    }

    @Override
    public List<Read> readAll(List<ReadRequest> requests) {
        return call(() -> delegate.readAll(requests));
    }

    @Override
    public boolean putIfGenerations(String region, String key, byte[] entry, Duration timeToLive, List<String> counters,
                                    long[] expected) {
        return call(() -> delegate.putIfGenerations(region, key, entry, timeToLive, counters, expected));
    }

    @Override
    public void put(String region, String key, byte[] entry, Duration timeToLive) {
        call(() -> {
            delegate.put(region, key, entry, timeToLive);
            return null;
        });
    }

    @Override
    public boolean delete(String region, String key) {
        return call(() -> delegate.delete(region, key));
    }

    @Override
    public long generation(String counter) {
        return call(() -> delegate.generation(counter));
    }

    @Override
    public long incrementGeneration(String counter) {
        return call(() -> delegate.incrementGeneration(counter));
    }

    @Override
    public long[] incrementGenerations(List<String> counters) {
        return call(() -> delegate.incrementGenerations(counters));
    }

    /** A probe even while the circuit is open: see {@link #probeNow}. */
    @Override
    public long[] incrementGenerationsNow(List<String> counters) {
        return probeNow(b -> b.incrementGenerationsNow(counters));
    }

    @Override
    public void announceEntryChanged(String region, String key) {
        call(() -> {
            delegate.announceEntryChanged(region, key);
            return null;
        });
    }

    /** Not guarded: registering is not a call that can time out, and a watcher must hear even while the circuit is open. */
    @Override
    public boolean watch(Watcher watcher) {
        return delegate.watch(watcher);
    }

    @Override
    public void unwatch(Watcher watcher) {
        delegate.unwatch(watcher);
    }

    @Override
    public RegenerationLocks locks() {
        return locks;
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    private final class BreakerLocks implements RegenerationLocks {
        @Override
        public Optional<Lease> tryAcquire(String lockKey, Duration lease) {
            return call(() -> delegate.locks().tryAcquire(lockKey, lease));
        }

        @Override
        public Acquisition acquire(String lockKey, Duration wait, Duration lease) throws InterruptedException {
            InterruptedException[] interrupted = new InterruptedException[1];
            Acquisition got = call(() -> {
                try {
                    return delegate.locks().acquire(lockKey, wait, lease);
                } catch (InterruptedException e) {
                    interrupted[0] = e;
                    return Acquisition.TIMED_OUT;
                }
            });
            if (interrupted[0] != null)
                throw interrupted[0];
            return got;
        }
    }
}
