package io.shardcache.redis.internal;

import io.shardcache.query.spi.Circuit;
import io.shardcache.query.spi.RegenerationLocks;
import java.time.Duration;
import java.util.Optional;

/**
 * A cluster's regeneration locks, each attempt admitted by the circuit of the master that serves
 * the lock's key ({@link MasterCircuits}): a lock on a master that is down fails at once once its
 * circuit is open. Releasing a lease always goes through, as it does behind any circuit breaker.
 */
public final class CircuitLocks implements RegenerationLocks {

    private final RegenerationLocks locks;
    private final MasterCircuits circuits;
    private final String keyPrefix;

    /** {@code locks} keep each lock under {@code keyPrefix} followed by its lock key. */
    public CircuitLocks(RegenerationLocks locks, MasterCircuits circuits, String keyPrefix) {
        this.locks = locks;
        this.circuits = circuits;
        this.keyPrefix = keyPrefix;
    }

    private Circuit circuit(String lockKey) {
        return circuits.ofKey(keyPrefix + lockKey);
    }

    @Override
    public Optional<Lease> tryAcquire(String lockKey, Duration lease) {
        return circuit(lockKey).call(() -> locks.tryAcquire(lockKey, lease));
    }

    @Override
    public Acquisition acquire(String lockKey, Duration wait, Duration lease) throws InterruptedException {
        Circuit circuit = circuit(lockKey);
        Circuit.Admission admission = circuit.admit();
        Acquisition got;
        try {
            got = locks.acquire(lockKey, wait, lease);
        } catch (io.shardcache.query.CacheBackendException e) {
            circuit.failed(admission, e);
            throw e;
        } catch (InterruptedException | RuntimeException | Error e) {
            circuit.abandoned(admission);
            throw e;
        }
        circuit.succeeded(admission);
        return got;
    }
}
