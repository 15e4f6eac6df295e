package io.shardcache.query.internal;

import io.shardcache.query.spi.CacheBackend;
import io.shardcache.query.spi.CacheListener;
import io.shardcache.query.spi.Circuit;
import io.shardcache.query.spi.RegenerationLocks;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A backend behind one {@link Circuit}, so that a cache that is down or black-holed costs its
 * command timeout a few times, not on every read (see {@link Circuit} for the states). So after the
 * backend returns, hits resume within {@code openFor} plus one call. Work that must reach the
 * backend as soon as it answers (the generation bumps of writes made while it did not) probes it at
 * its own pace through {@link #incrementGenerationsNow}, and closes the circuit the moment one lands.
 *
 * <p>Releasing a lease always goes through: a lock left held only costs its lease, but releasing
 * promptly lets others in. {@link #close()} does not close the delegate, which its creator owns.
 *
 * <p>Thread-safe.
 */
public final class CircuitBreaker implements CacheBackend {

    private final CacheBackend delegate;
    private final Circuit circuit;
    private final RegenerationLocks locks;

    public CircuitBreaker(CacheBackend delegate, int failures, Duration openFor, InstantSource clock, CacheListener listener) {
        this.delegate = delegate;
        this.circuit = new Circuit(delegate.describe(), failures, openFor, clock, listener);
        this.locks = new BreakerLocks();
    }

    private <T extends @Nullable Object> T call(Supplier<T> op) {
        return circuit.call(op);
    }

    /** The circuit as it is now, without calling the backend. */
    public Circuit.State state() {
        return circuit.state();
    }

    /** This one circuit, by the backend's name: how a composite of guarded servers reports theirs. */
    @Override
    public java.util.Map<String, Circuit.State> circuits() {
        return java.util.Map.of(circuit.name(), circuit.state());
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

    /** A probe even while the circuit is open: see {@link Circuit#admitNow}. */
    @Override
    public long[] incrementGenerationsNow(List<String> counters) {
        return circuit.callNow(() -> delegate.incrementGenerationsNow(counters));
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
    public boolean isRemote() {
        return delegate.isRemote();
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
