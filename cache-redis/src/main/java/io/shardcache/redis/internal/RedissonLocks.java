package io.shardcache.redis.internal;

import io.shardcache.query.CacheBackendException;
import io.shardcache.query.spi.RegenerationLocks;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.redisson.Redisson;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;
import javax.net.ssl.TrustManagerFactory;
import org.redisson.config.Config;
import org.redisson.config.ReadMode;
import org.redisson.config.SubscriptionMode;
import org.redisson.config.SingleServerConfig;
import org.jspecify.annotations.Nullable;

/**
 * Regeneration locks on Redisson's {@link RLock}, one Redisson client per backend.
 *
 * <h2>Ownership: one synthetic thread id per lease</h2>
 * Redisson records a lock's owner as {@code <client id>:<thread id>} and lets only that owner
 * unlock it. A shardcache lease is released by whichever thread ends the regeneration (an async
 * refresh hands it to a background thread), so the calling thread's id would be wrong. Every lease
 * therefore gets a fresh id from a counter, passed to {@code tryLockAsync(..., id)} and to
 * {@code unlockAsync(id)}; Redisson's per-client id keeps the ids of different processes apart. As
 * ids are never reused, a lease can never release a later holder's lock, and no acquisition
 * re-enters another one (Redisson locks are reentrant per owner): a second caller in the same
 * process waits like a caller anywhere else.
 *
 * <h2>Leases, and the watchdog</h2>
 * Redisson's watchdog is client-wide: a lock taken with {@code leaseTime = -1} gets a Redis TTL of
 * the client's {@code lockWatchdogTimeout}, renewed every third of it for as long as the owner has
 * not unlocked and the client lives. It has no bound of its own, but the SPI promises every lease
 * one (a regeneration that hangs must not block its key forever). So the mode is chosen per lock:
 * <ul>
 * <li><b>lease &le; watchdogTimeout</b>: a plain lease; the key's TTL is the lease and nothing renews
 *     it.</li>
 * <li><b>lease &gt; watchdogTimeout</b>: the watchdog holds the lock, so a holder whose process died
 *     or froze loses it within {@code watchdogTimeout}, long before its lease; a live holder keeps
 *     it, but never past its lease: a timer releases it then, exactly as an expiry would.</li>
 * </ul>
 * Either way the lock is held at most {@code lease}, and a dead holder's lock goes away by itself.
 *
 * <h2>Waiting</h2>
 * {@link #acquire} does not use Redisson's waiting {@code tryLock}: a waiter that stops early (at a
 * fill announcement) would leave that request pending, and a pending request that later gets the
 * lock holds it with nobody to release it. So the wait is a loop of non-waiting attempts: register
 * for the lock's announcements ({@link FillAnnouncements}), try the lock once, read its remaining
 * time to live, and sleep on the registration until a release or fill is announced or the lock's
 * TTL runs out (its holder died), whichever is first; nothing polls. A fill ends the wait without
 * the lock ({@link Acquisition#FILLED}); a release or expiry leads to the next attempt.
 *
 * <h2>Announcements</h2>
 * Every release is announced after the unlock; {@link Lease#releaseFilled()} first announces the
 * fill, then releases. Both go on one channel, so waiters hear the fill first and read the entry
 * instead of taking the lock in turn.
 *
 * <h2>Failures</h2>
 * Whatever Redisson throws becomes a {@link CacheBackendException} naming the server, the command,
 * the lock key and the command timeout. Releasing twice does nothing (checked locally); releasing
 * after expiry does nothing (Redisson finds the owner field gone). Redisson is created with lazy
 * initialization, so a backend can be built while Redis is down: lock calls then fail fast and
 * work again once Redis is reachable.
 *
 * <p>Thread-safe.
 */
public final class RedissonLocks implements RegenerationLocks, AutoCloseable {

    private final RedissonClient redisson;
    private final String keyPrefix;
    private final Duration commandTimeout;
    private final Duration watchdogTimeout;
    private final Failures failures;
    private final AtomicLong ids = new AtomicLong();
    /** Ends watchdog-held leases at their bound; one daemon thread, idle unless such a lease exists. */
    private final ScheduledThreadPoolExecutor bounds;
    private final FillAnnouncements fills;
    /** Waits parked per lock key (for tests: a fill can only end a wait that is parked). */
    private final java.util.concurrent.ConcurrentHashMap<String, Integer> parked = new java.util.concurrent.ConcurrentHashMap<>();

    /** {@code trust}: the certificates TLS connections trust instead of the JVM's default ones; null for those. */
    public RedissonLocks(RedisServers servers, String keyPrefix, Duration commandTimeout, Duration watchdogTimeout,
                         Failures failures, @Nullable TrustManagerFactory trust) {
        this.keyPrefix = keyPrefix;
        this.commandTimeout = commandTimeout;
        this.watchdogTimeout = watchdogTimeout;
        this.failures = failures;
        this.redisson = Redisson.create(config(servers, commandTimeout, watchdogTimeout, trust));
        this.bounds = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "shardcache-lock-lease-" + servers.address());
            t.setDaemon(true);
            return t;
        });
        bounds.setRemoveOnCancelPolicy(true);
        bounds.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.fills = new FillAnnouncements(redisson, keyPrefix + "locks");
    }

    private static Config config(RedisServers servers, Duration commandTimeout, Duration watchdogTimeout,
                                 @Nullable TrustManagerFactory trust) {
        int timeoutMillis = (int) commandTimeout.toMillis();
        Config config = new Config();
        servers.configure(config);
        if (trust != null)
            config.setSslTrustManagerFactory(trust);
        config.setLazyInitialization(true)             // created while Redis is down; connects on first use
            .setLockWatchdogTimeout(watchdogTimeout.toMillis())
            .setNettyThreads(2)                        // a lock client is light; Redisson's defaults (32 + 16) are for a data client
            .setThreads(2);
        if (servers.cluster()) {
            config.useClusterServers()
                .setTimeout(timeoutMillis)
                .setConnectTimeout(timeoutMillis)
                .setRetryAttempts(0)
                .setReadMode(ReadMode.MASTER)          // a lock is read where it is written
                .setMasterConnectionMinimumIdleSize(1)
                .setMasterConnectionPoolSize(16)
                .setSlaveConnectionMinimumIdleSize(0)
                .setSubscriptionConnectionMinimumIdleSize(1)
                .setSubscriptionMode(SubscriptionMode.MASTER)
                .setCheckSlotsCoverage(false);         // a master down costs its slots' locks, not every lock
            return config;
        }
        SingleServerConfig server = config.useSingleServer();
        server.setTimeout(timeoutMillis)
            .setConnectTimeout(timeoutMillis)
            .setRetryAttempts(0)                       // a cache fails fast; the caller falls back to the database
            .setConnectionMinimumIdleSize(1)
            .setConnectionPoolSize(16)
            .setSubscriptionConnectionMinimumIdleSize(1);
        return config;
    }

    @Override
    public Optional<Lease> tryAcquire(String lockKey, Duration lease) {
        Objects.requireNonNull(lockKey, "lockKey");
        requirePositive(lease);
        return attempt(lockKey, lease);
    }

    @Override
    public Acquisition acquire(String lockKey, Duration wait, Duration lease) throws InterruptedException {
        Objects.requireNonNull(lockKey, "lockKey");
        requirePositive(lease);
        if (wait.isNegative())
            throw new IllegalArgumentException("wait must not be negative, got " + wait);
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            // Registered before the attempt, so a release or fill between the two is not missed.
            CompletableFuture<Boolean> heard = fills.watch(lockKey);
            try {
                Optional<Lease> got = attempt(lockKey, lease);
                if (got.isPresent()) {
                    if (Boolean.TRUE.equals(heard.getNow(false))) {
                        // The fill was announced while we asked (the lock is free because its holder
                        // just stored the entry): that entry is what this wait was for.
                        got.get().release();
                        return Acquisition.FILLED;
                    }
                    return new Acquisition.Held(got.get());
                }
                long left = deadline - System.nanoTime();
                if (left <= 0)
                    return Acquisition.TIMED_OUT;
                long ttlMillis = remainingMillis(lockKey);
                if (ttlMillis == -2)
                    continue;                                  // released in between: try again at once
                long nap = ttlMillis < 0 ? left : Math.min(left, TimeUnit.MILLISECONDS.toNanos(ttlMillis + 1));
                parked(lockKey, 1);
                try {
                    if (heard.get(nap, TimeUnit.NANOSECONDS))
                        return Acquisition.FILLED;
                } catch (TimeoutException expiredOrOut) {
                    // the holder's lease ran out (it died or hangs), or our wait did: the loop tells which
                } catch (ExecutionException cannotHappen) {
                    throw new AssertionError(cannotHappen);
                } finally {
                    parked(lockKey, -1);
                }
            } finally {
                fills.forget(lockKey, heard);
            }
        }
    }

    /** One attempt, without waiting: Redisson's lock script with a fresh owner id. */
    private Optional<Lease> attempt(String lockKey, Duration lease) {
        String name = keyPrefix + lockKey;
        long id = ids.incrementAndGet();
        boolean watchdog = lease.compareTo(watchdogTimeout) > 0;
        long leaseMillis = watchdog ? -1 : Math.max(1, lease.toMillis());
        String command = "LOCK (lease=" + lease.toMillis() + "ms)";
        RLock lock = redisson.getLock(name);
        CompletableFuture<Boolean> acquired;
        try {
            acquired = lock.tryLockAsync(0, leaseMillis, TimeUnit.MILLISECONDS, id).toCompletableFuture();
        } catch (RuntimeException e) {     // lazy initialization connects on the caller's thread
            throw failures.of(command, name, e);
        }
        boolean got;
        try {
            got = await(acquired, commandTimeout.multipliedBy(3), false);
        } catch (TimeoutException e) {
            abandon(acquired, lock, id);
            throw failures.of(command, name, e);
        } catch (ExecutionException e) {
            throw failures.of(command, name, Failures.causeOf(e));
        } catch (InterruptedException cannotHappen) {
            throw new AssertionError(cannotHappen);
        }
        if (!got)
            return Optional.empty();
        RedisLease held = new RedisLease(lock, lockKey, name, id);
        if (watchdog)
            held.bound(lease);
        return Optional.of(held);
    }

    /** The lock's remaining time to live in ms; -2 when it is not held, -1 when it never expires. */
    private long remainingMillis(String lockKey) {
        String name = keyPrefix + lockKey;
        try {
            return await(redisson.getLock(name).remainTimeToLiveAsync().toCompletableFuture(), commandTimeout.multipliedBy(3), false);
        } catch (ExecutionException e) {
            throw failures.of("PTTL", name, Failures.causeOf(e));
        } catch (TimeoutException | RuntimeException e) {
            throw failures.of("PTTL", name, e);
        } catch (InterruptedException cannotHappen) {
            throw new AssertionError(cannotHappen);
        }
    }

    /** Gives up on an attempt that did not answer in time; a lock it obtains anyway is released. */
    private static void abandon(CompletableFuture<Boolean> acquired, RLock lock, long id) {
        if (!acquired.cancel(false))
            acquired.thenAccept(got -> {
                if (got)
                    lock.unlockAsync(id);
            });
        // When the cancel won, Redisson itself unlocks should its pending attempt still succeed.
    }

    private final class RedisLease implements Lease {
        private final RLock lock;
        private final String lockKey;
        private final String name;
        private final long id;
        private final AtomicBoolean released = new AtomicBoolean();
        private volatile @Nullable ScheduledFuture<?> bound;

        RedisLease(RLock lock, String lockKey, String name, long id) {
            this.lock = lock;
            this.lockKey = lockKey;
            this.name = name;
            this.id = id;
        }

        /** Ends a watchdog-held lease at {@code lease} even if its holder is alive and never releases it. */
        void bound(Duration lease) {
            try {
                bound = bounds.schedule(this::expire, lease.toNanos(), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                expire();
                throw failures.of("LOCK", name, "the backend is closed");
            }
        }

        private void expire() {
            if (released.compareAndSet(false, true))
                lock.unlockAsync(id);   // if this fails the watchdog stops anyway; the key then expires within watchdogTimeout
        }

        @Override
        public void release() {
            if (!released.compareAndSet(false, true))
                return;
            ScheduledFuture<?> b = bound;
            if (b != null)
                b.cancel(false);
            CompletableFuture<Void> unlocked;
            try {
                unlocked = lock.unlockAsync(id).toCompletableFuture();
            } catch (RuntimeException e) {
                throw failures.of("UNLOCK", name, e);
            }
            try {
                await(unlocked, commandTimeout.multipliedBy(3), false);
            } catch (ExecutionException e) {
                if (!ownedBySomeoneElse(e))
                    throw failures.of("UNLOCK", name, Failures.causeOf(e));
                return;   // the lease had expired: nothing to release, and a successor holds it
            } catch (TimeoutException e) {
                throw failures.of("UNLOCK", name, e);
            } catch (InterruptedException cannotHappen) {
                throw new AssertionError(cannotHappen);
            }
            announce(false);
        }

        /** Publishes and waits for Redis to take it; a waiter that misses it wakes at the lock's expiry. */
        private void announce(boolean filled) {
            try {
                await(fills.announce(lockKey, filled), commandTimeout.multipliedBy(3), false);
            } catch (ExecutionException e) {
                throw failures.of("PUBLISH", fills.channel(), Failures.causeOf(e));
            } catch (TimeoutException | RuntimeException e) {
                throw failures.of("PUBLISH", fills.channel(), e);
            } catch (InterruptedException cannotHappen) {
                throw new AssertionError(cannotHappen);
            }
        }

        /**
         * Announces the fill, then unlocks (which announces the release). A failed announcement
         * does not keep the lock: it is reported after the unlock.
         */
        @Override
        public void releaseFilled() {
            if (released.get())
                return;
            RuntimeException announceFailure = null;
            try {
                announce(true);
            } catch (RuntimeException e) {
                announceFailure = e;
            }
            release();
            if (announceFailure != null)
                throw announceFailure;
        }

        @Override
        public String toString() {
            return "lease of " + name + " (owner id " + id + (released.get() ? ", released)" : ")");
        }
    }

    /** How many waits in this process are parked until {@code lockKey} is released, filled or expires; for tests. */
    public int parkedOn(String lockKey) {
        Integer n = parked.get(lockKey);
        return n == null ? 0 : n;
    }

    private void parked(String lockKey, int delta) {
        parked.merge(lockKey, delta, (a, b) -> a + b == 0 ? null : a + b);
    }

    /** Whether fill announcements are subscribed to (they are best effort until then); for tests. */
    public boolean hearsFillAnnouncements() {
        return fills.subscribed();
    }

    private static boolean ownedBySomeoneElse(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause())
            if (c instanceof IllegalMonitorStateException)
                return true;
        return false;
    }

    /**
     * Waits for {@code f} at most {@code limit}. An uninterruptible wait still ends within the
     * limit, and re-asserts the thread's interrupt afterwards.
     */
    private static <T> T await(CompletableFuture<T> f, Duration limit, boolean interruptible)
        throws InterruptedException, ExecutionException, TimeoutException {
        if (interruptible)
            return f.get(limit.toNanos(), TimeUnit.NANOSECONDS);
        long deadline = System.nanoTime() + limit.toNanos();
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted)
                Thread.currentThread().interrupt();
        }
    }

    private static void requirePositive(Duration lease) {
        if (lease.isNegative() || lease.isZero())
            throw new IllegalArgumentException("lease must be positive, got " + lease);
    }

    @Override
    public void close() {
        bounds.shutdownNow();
        redisson.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
