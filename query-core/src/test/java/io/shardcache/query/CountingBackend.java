package io.shardcache.query;

import io.shardcache.query.spi.CacheBackend;
import io.shardcache.query.spi.RegenerationLocks;
import io.shardcache.testing.Eventually;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A backend decorator for tests: counts lock attempts (in all, and per lock key), puts and other
 * calls, tells {@code onAcquired} of every lock granted, and can be switched to fail every call the
 * way an unreachable Redis would.
 *
 * <p>It forwards neither {@code breaksPerServer} nor {@code circuits}: the engine puts its own circuit
 * breaker around it, which is what the tests that switch it {@link #down} count on. {@link #close()}
 * closes the delegate. Public for cache-redis, whose tests and child JVMs use it through query-core's
 * test jar.
 */
public final class CountingBackend implements CacheBackend {

    final CacheBackend delegate;
    private final Consumer<String> onAcquired;
    final AtomicInteger lockAttempts = new AtomicInteger();
    private final Map<String, AtomicInteger> lockAttemptsByKey = new ConcurrentHashMap<>();
    /** Waits for the lock ({@code acquire}) that ended holding it, and that ended with a fill announcement. */
    final AtomicInteger waitsHeld = new AtomicInteger();
    final AtomicInteger waitsFilled = new AtomicInteger();
    final AtomicInteger puts = new AtomicInteger();
    /** Every call that reached this backend, failed or not. */
    final AtomicInteger calls = new AtomicInteger();
    final AtomicBoolean down = new AtomicBoolean();
    /** Makes the lock service fail with an exception outside the SPI's contract, as a broken client would. */
    final AtomicBoolean locksBroken = new AtomicBoolean();
    /** The size of the last entry put in each region. */
    final Map<String, Integer> lastPutBytes = new ConcurrentHashMap<>();

    public CountingBackend(CacheBackend delegate) {
        this(delegate, lockKey -> { });
    }

    /** {@code onAcquired} hears each lock key the moment its lease is granted, on the thread that asked. */
    public CountingBackend(CacheBackend delegate, Consumer<String> onAcquired) {
        this.delegate = delegate;
        this.onAcquired = onAcquired;
    }

    /** Lock attempts ({@code tryAcquire} and {@code acquire}, granted or not) on lock keys that contain {@code fragment}. */
    public int lockAttemptsOn(String fragment) {
        return lockAttemptsByKey.entrySet().stream().filter(e -> e.getKey().contains(fragment)).mapToInt(e -> e.getValue().get()).sum();
    }

    private void countAttempt(String lockKey) {
        lockAttempts.incrementAndGet();
        lockAttemptsByKey.computeIfAbsent(lockKey, k -> new AtomicInteger()).incrementAndGet();
    }

    private void check() {
        calls.incrementAndGet();
        if (down.get())
            throw new CacheBackendException("test backend is down");
    }

    @Override
    public byte[] get(String region, String key) {
        check();
        return delegate.get(region, key);
    }

    @Override
    public Read read(String region, String key, java.util.List<String> counters) {
        check();
        return delegate.read(region, key, counters);
    }

    /** Calls of {@link #readAll}: a batch's lookups, one call each. */
    final AtomicInteger readAlls = new AtomicInteger();

    /** Makes {@link #readAll} fail with an exception outside the SPI's contract, as a broken client would. */
    final AtomicBoolean readAllBroken = new AtomicBoolean();

    @Override
    public java.util.List<Read> readAll(java.util.List<ReadRequest> requests) {
        check();
        readAlls.incrementAndGet();
        if (readAllBroken.get())
            throw new IllegalStateException("broken batch read");
        return delegate.readAll(requests);
    }

    @Override
    public boolean putIfGenerations(String region, String key, byte[] entry, Duration timeToLive,
                                    java.util.List<String> counters, long[] expected) {
        check();
        puts.incrementAndGet();
        lastPutBytes.put(region, entry.length);
        return delegate.putIfGenerations(region, key, entry, timeToLive, counters, expected);
    }

    @Override
    public long[] incrementGenerations(java.util.List<String> counters) {
        check();
        long[] values = delegate.incrementGenerations(counters);
        counters.forEach(c -> bumps.computeIfAbsent(c, x -> new AtomicInteger()).incrementAndGet());
        return values;
    }

    /**
     * Increments that reached the backend, per counter: what a test counts, since a counter's values
     * need not go up by one (Redis moves them with its clock).
     */
    final Map<String, AtomicInteger> bumps = new ConcurrentHashMap<>();

    int bumpsOf(String counter) {
        AtomicInteger n = bumps.get(counter);
        return n == null ? 0 : n.get();
    }

    @Override
    public void announceEntryChanged(String region, String key) {
        check();
        delegate.announceEntryChanged(region, key);
    }

    @Override
    public boolean watch(Watcher watcher) {
        watchers.add(watcher);
        return delegate.watch(watcher);
    }

    /** Every watcher registered, so that a test can play a dropped notification connection. */
    final java.util.List<Watcher> watchers = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public void unwatch(Watcher watcher) {
        delegate.unwatch(watcher);
    }

    @Override
    public void put(String region, String key, byte[] entry, Duration timeToLive) {
        check();
        puts.incrementAndGet();
        lastPutBytes.put(region, entry.length);
        delegate.put(region, key, entry, timeToLive);
    }

    @Override
    public boolean delete(String region, String key) {
        check();
        return delegate.delete(region, key);
    }

    @Override
    public long generation(String counter) {
        check();
        return delegate.generation(counter);
    }

    @Override
    public long incrementGeneration(String counter) {
        check();
        long value = delegate.incrementGeneration(counter);
        bumps.computeIfAbsent(counter, x -> new AtomicInteger()).incrementAndGet();
        return value;
    }

    @Override
    public RegenerationLocks locks() {
        RegenerationLocks locks = delegate.locks();
        return new RegenerationLocks() {
            @Override
            public Optional<Lease> tryAcquire(String lockKey, Duration lease) {
                countAttempt(lockKey);
                check();
                if (locksBroken.get())
                    throw new IllegalStateException("lock client is shut down");
                Optional<Lease> got = locks.tryAcquire(lockKey, lease).map(CountingBackend.this::counted);
                if (got.isPresent())
                    onAcquired.accept(lockKey);
                return got;
            }

            @Override
            public Acquisition acquire(String lockKey, Duration wait, Duration lease) throws InterruptedException {
                countAttempt(lockKey);
                check();
                Acquisition got = locks.acquire(lockKey, wait, lease);
                if (got instanceof Acquisition.Held held) {
                    waitsHeld.incrementAndGet();
                    onAcquired.accept(lockKey);
                    return new Acquisition.Held(counted(held.lease()));
                }
                else if (got == Acquisition.FILLED)
                    waitsFilled.incrementAndGet();
                return got;
            }
        };
    }

    /** Leases granted and not yet released (the engine releases after a fill on a thread of its own). */
    final AtomicInteger leasesHeld = new AtomicInteger();

    private RegenerationLocks.Lease counted(RegenerationLocks.Lease lease) {
        leasesHeld.incrementAndGet();
        return new RegenerationLocks.Lease() {
            @Override
            public void release() {
                try {
                    lease.release();
                } finally {
                    leasesHeld.decrementAndGet();
                }
            }

            @Override
            public void releaseFilled() {
                try {
                    lease.releaseFilled();
                } finally {
                    leasesHeld.decrementAndGet();
                }
            }
        };
    }

    /** Waits (at most 10 s) until every lease granted through this backend is released. */
    void awaitLocksReleased() throws InterruptedException {
        Eventually.await("every regeneration lease released", Duration.ofSeconds(10), () -> leasesHeld.get() == 0,
            () -> leasesHeld.get() + " leases held");
    }

    @Override
    public String describe() {
        return "counting(" + delegate.describe() + ")";
    }

    @Override
    public void close() {
        delegate.close();
    }
}
