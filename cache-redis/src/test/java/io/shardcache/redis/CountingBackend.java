package io.shardcache.redis;

import io.shardcache.query.spi.CacheBackend;
import io.shardcache.query.spi.ForwardingCacheBackend;
import io.shardcache.query.spi.RegenerationLocks;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A backend that counts the engine's regeneration lock attempts per lock key and otherwise does
 * what its delegate does; {@code onAcquired} hears every lock key the moment its lease is granted.
 */
final class CountingBackend extends ForwardingCacheBackend {

    private final Consumer<String> onAcquired;
    private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    private final RegenerationLocks locks = new RegenerationLocks() {
        @Override
        public Optional<Lease> tryAcquire(String lockKey, Duration lease) {
            count(lockKey);
            return granted(lockKey, delegate().locks().tryAcquire(lockKey, lease));
        }

        @Override
        public Acquisition acquire(String lockKey, Duration wait, Duration lease) throws InterruptedException {
            count(lockKey);
            Acquisition got = delegate().locks().acquire(lockKey, wait, lease);
            if (got instanceof Acquisition.Held)
                onAcquired.accept(lockKey);
            return got;
        }
    };

    CountingBackend(CacheBackend delegate) {
        this(delegate, key -> { });
    }

    CountingBackend(CacheBackend delegate, Consumer<String> onAcquired) {
        super(delegate);
        this.onAcquired = onAcquired;
    }

    /** Lock attempts (tryAcquire and acquire, granted or not) on lock keys that contain {@code fragment}. */
    int lockAttempts(String fragment) {
        return attempts.entrySet().stream().filter(e -> e.getKey().contains(fragment)).mapToInt(e -> e.getValue().get()).sum();
    }

    private void count(String lockKey) {
        attempts.computeIfAbsent(lockKey, k -> new AtomicInteger()).incrementAndGet();
    }

    private Optional<RegenerationLocks.Lease> granted(String lockKey, Optional<RegenerationLocks.Lease> lease) {
        if (lease.isPresent())
            onAcquired.accept(lockKey);
        return lease;
    }

    @Override
    public RegenerationLocks locks() {
        return locks;
    }

    /** Leaves the delegate open: its creator closes it. */
    @Override
    public void close() {
    }
}
