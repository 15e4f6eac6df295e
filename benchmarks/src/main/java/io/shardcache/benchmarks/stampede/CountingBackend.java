package io.shardcache.benchmarks.stampede;

import io.shardcache.query.spi.CacheBackend;
import io.shardcache.query.spi.ForwardingCacheBackend;
import io.shardcache.query.spi.RegenerationLocks;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@link CacheBackend} that delegates everything and counts the lock attempts the engine makes for
 * one region's keys ({@code tryAcquire} on the stale path, {@code acquire} on the miss path). The
 * region is recognised by the lock key, which the engine builds as {@code <region>:<generation>:<sha1>:lock};
 * other regions' attempts are not counted, and {@link #reset()} forgets the warm-up's. Lock calls,
 * releases and stores of that region are also written to a {@link Trace}. Thread-safe.
 */
final class CountingBackend extends ForwardingCacheBackend {

    private final String lockKeyPrefix;
    private final LongAdder tryAcquires = new LongAdder();
    private final LongAdder acquires = new LongAdder();
    private final LongAdder reads = new LongAdder();
    private final RegenerationLocks locks;
    private final String region;
    private final Trace trace;

    CountingBackend(CacheBackend delegate, String region, Trace trace) {
        super(delegate);
        this.region = region;
        this.trace = trace;
        this.lockKeyPrefix = region + ":";
        RegenerationLocks inner = delegate.locks();
        this.locks = new RegenerationLocks() {
            @Override
            public Optional<Lease> tryAcquire(String lockKey, Duration lease) {
                if (!lockKey.startsWith(lockKeyPrefix))
                    return inner.tryAcquire(lockKey, lease);
                tryAcquires.increment();
                trace.add("tryAcquire");
                return traced(inner.tryAcquire(lockKey, lease), "tryAcquire");
            }

            @Override
            public Acquisition acquire(String lockKey, Duration wait, Duration lease) throws InterruptedException {
                if (!lockKey.startsWith(lockKeyPrefix))
                    return inner.acquire(lockKey, wait, lease);
                acquires.increment();
                trace.add("acquire");
                Acquisition got = inner.acquire(lockKey, wait, lease);
                return switch (got) {
                    case Acquisition.Held held -> new Acquisition.Held(traced(Optional.of(held.lease()), "acquire").orElseThrow());
                    case Acquisition.Filled filled -> {
                        trace.add("acquire:filled");
                        yield got;
                    }
                    case Acquisition.TimedOut timedOut -> {
                        trace.add("acquire:timed_out");
                        yield got;
                    }
                };
            }
        };
    }

    private Optional<RegenerationLocks.Lease> traced(Optional<RegenerationLocks.Lease> lease, String call) {
        trace.add(call + (lease.isPresent() ? ":got" : ":refused"));
        return lease.map(held -> new RegenerationLocks.Lease() {
            @Override
            public void release() {
                trace.add("release");
                held.release();
                trace.add("released");
            }

            @Override
            public void releaseFilled() {
                trace.add("release_filled");
                held.releaseFilled();
                trace.add("released");
            }
        });
    }

    /** Forgets the counts so far (the warm-up's). */
    void reset() {
        tryAcquires.reset();
        acquires.reset();
        reads.reset();
    }

    /** Calls that read the region's entries with their counters ({@code read}, and each request of {@code readAll}). */
    long reads() {
        return reads.sum();
    }

    @Override
    public Read read(String region, String key, java.util.List<String> counters) {
        if (region.equals(this.region))
            reads.increment();
        return super.read(region, key, counters);
    }

    @Override
    public java.util.List<Read> readAll(java.util.List<ReadRequest> requests) {
        for (ReadRequest r : requests)
            if (r.region().equals(this.region))
                reads.increment();
        return super.readAll(requests);
    }

    long tryAcquires() {
        return tryAcquires.sum();
    }

    long acquires() {
        return acquires.sum();
    }

    @Override
    public void put(String region, String key, byte[] entry, Duration timeToLive) {
        super.put(region, key, entry, timeToLive);
        if (region.equals(this.region))
            trace.add("stored");
    }

    @Override
    public RegenerationLocks locks() {
        return locks;
    }

    /** Does not close the delegate: whoever created it does. */
    @Override
    public void close() {
    }
}
