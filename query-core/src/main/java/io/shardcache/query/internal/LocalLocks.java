package io.shardcache.query.internal;

import io.shardcache.query.spi.RegenerationLocks;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Regeneration locks for one process. A held lock is a map entry with a lease deadline; waiters
 * block on the holder's release future (woken the moment it is released, never polling), bounded
 * by their own wait and by the holder's lease, after which the lock may be taken over. A holder that
 * releases with {@link Lease#releaseFilled()} marks itself filled before waking its waiters, so
 * they go and read the entry instead of taking the lock one after another.
 */
public final class LocalLocks implements RegenerationLocks {

    private final ConcurrentHashMap<String, Holder> held = new ConcurrentHashMap<>();

    private final class Holder implements Lease {
        final String key;
        final long expiresAt;
        final CompletableFuture<Void> released = new CompletableFuture<>();
        volatile boolean filled;

        Holder(String key, Duration lease) {
            this.key = key;
            this.expiresAt = System.nanoTime() + lease.toNanos();
        }

        boolean expired() {
            return System.nanoTime() - expiresAt >= 0;
        }

        @Override
        public void release() {
            held.remove(key, this);
            released.complete(null);
        }

        @Override
        public void releaseFilled() {
            filled = true;
            release();
        }
    }

    @Override
    public Optional<Lease> tryAcquire(String lockKey, Duration lease) {
        Holder mine = new Holder(lockKey, lease);
        Holder current = held.putIfAbsent(lockKey, mine);
        if (current == null)
            return Optional.of(mine);
        if (current.expired() && held.replace(lockKey, current, mine)) {
            current.released.complete(null);   // its holder lost the lease
            return Optional.of(mine);
        }
        return Optional.empty();
    }

    @Override
    public Acquisition acquire(String lockKey, Duration wait, Duration lease) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            Optional<Lease> got = tryAcquire(lockKey, lease);
            if (got.isPresent())
                return new Acquisition.Held(got.get());
            Holder current = held.get(lockKey);
            if (current == null)
                continue;
            long now = System.nanoTime();
            long left = Math.min(deadline - now, current.expiresAt - now);
            if (deadline - now <= 0)
                return Acquisition.TIMED_OUT;
            try {
                current.released.get(Math.max(left, 1), TimeUnit.NANOSECONDS);
                if (current.filled)
                    return Acquisition.FILLED;
            } catch (TimeoutException | ExecutionException e) {
                // the lease ran out or our wait did: the loop decides which
            }
        }
    }
}
