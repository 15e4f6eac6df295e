package io.shardcache.redis.internal;

import io.shardcache.query.CacheBackendException;
import io.shardcache.query.spi.RegenerationLocks;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
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
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;
import org.redisson.Redisson;
import org.redisson.api.RLock;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;
import org.redisson.config.EqualJitterDelay;
import org.redisson.config.ReadMode;
import org.redisson.config.SingleServerConfig;
import org.redisson.config.SubscriptionMode;
import org.redisson.connection.ConnectionListener;

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
 * <h2>Leases: short until confirmed, then renewed by their holder</h2>
 * An attempt takes the lock with a TTL of only {@code firstLease} (three command timeouts), and
 * only a caller that heard the answer "acquired" extends it, by an owner-checked {@code PEXPIRE}
 * script: to its lease, or, for a lease longer than {@code watchdogTimeout}, to
 * {@code watchdogTimeout}, renewed every third of it by this client while the lease lasts and not
 * released. So:
 * <ul>
 * <li>an attempt that gave up (Redis paused or slow: the command timed out on our side, but Redis
 *     runs it when it resumes) leaves a lock that nobody holds for at most {@code firstLease}; it is
 *     also released by its owner id as soon as Redis answers again (see "Failures");</li>
 * <li>a holder whose process died or froze loses the lock within {@code watchdogTimeout} (nothing
 *     renews it), long before a long lease ends;</li>
 * <li>a live holder keeps it, but never past its lease: a timer releases it then, as an expiry
 *     would.</li>
 * </ul>
 * Redisson's own watchdog is not used: it renews until unlocked with no bound of its own, and the
 * SPI promises every lease one (a regeneration that hangs must not block its key forever).
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
 * after expiry does nothing (Redisson finds the owner field gone). An attempt that fails or times
 * out, and a release that does, is followed by a release by the same owner id in the background,
 * tried every command timeout until Redis answers (for at most {@code watchdogTimeout}): a lock
 * taken by a command that ran after its caller gave up, or kept by a release that was lost, is
 * freed, and announced, as soon as Redis is back. Redisson is created with lazy initialization, so
 * a backend can be built while Redis is down: lock calls then fail fast and work again once Redis is
 * reachable.
 *
 * <h2>Redis going away under a waiter</h2>
 * A waiter sleeps until a message or its lock's TTL. When Redisson loses a connection, or makes one
 * again, every waiter in this process is woken to try again: while Redis is down that attempt fails
 * at once (the caller falls back as its region says instead of sleeping out its wait), and after a
 * restart it finds the lock free or re-reads its TTL rather than waiting for a release message that
 * was lost with the connection.
 *
 * <p>Thread-safe. Over 500 lines because a lock's whole life is here and reads best in one place:
 * acquiring with a short first lease, renewing, releasing, and cleaning up after attempts that timed out.
 */
public final class RedissonLocks implements RegenerationLocks, AutoCloseable {

    /**
     * KEYS: the lock; ARGV: the TTL in ms, the owner field. Sets the TTL only if the owner still
     * holds the lock; returns 1 if it did.
     */
    private static final String EXTEND = """
        if redis.call('hexists', KEYS[1], ARGV[2]) == 1 then
          return redis.call('pexpire', KEYS[1], ARGV[1])
        end
        return 0
        """;

    /** Redisson's default backs off to 10 s: a server back after an outage would go unused that long. */
    private static final EqualJitterDelay RECONNECTION = new EqualJitterDelay(Duration.ofMillis(10), Duration.ofMillis(250));

    private final RedissonClient redisson;
    private final String keyPrefix;
    private final Duration commandTimeout;
    private final Duration watchdogTimeout;
    /** The TTL an attempt takes the lock with; only a caller that heard it got the lock extends it. */
    private final Duration firstLease;
    private final Failures failures;
    private final AtomicLong ids = new AtomicLong();
    /** Renews, bounds and cleans up leases; one daemon thread, idle unless a lease needs it. */
    private final ScheduledThreadPoolExecutor bounds;
    private final FillAnnouncements fills;
    /** Waits parked per lock key (for tests: a fill can only end a wait that is parked). */
    private final java.util.concurrent.ConcurrentHashMap<String, Integer> parked = new java.util.concurrent.ConcurrentHashMap<>();
    /** Releases by owner id still being tried in the background; for tests. */
    private final java.util.concurrent.atomic.AtomicInteger cleanups = new java.util.concurrent.atomic.AtomicInteger();

    /** {@code trust}: the certificates TLS connections trust instead of the JVM's default ones; null for those. */
    public RedissonLocks(RedisServers servers, String keyPrefix, Duration commandTimeout, Duration watchdogTimeout,
                         Failures failures, @Nullable TrustManagerFactory trust) {
        this.keyPrefix = keyPrefix;
        this.commandTimeout = commandTimeout;
        this.watchdogTimeout = watchdogTimeout;
        this.firstLease = commandTimeout.multipliedBy(3);
        this.failures = failures;
        ConnectionWakeUps wakeUps = new ConnectionWakeUps();
        this.redisson = Redisson.create(config(servers, commandTimeout, trust).setConnectionListener(wakeUps));
        this.bounds = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "shardcache-lock-lease-" + servers.address());
            t.setDaemon(true);
            return t;
        });
        bounds.setRemoveOnCancelPolicy(true);
        bounds.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.fills = new FillAnnouncements(redisson, keyPrefix + "locks");
        wakeUps.fills = fills;
    }

    /** Wakes every waiter when a Redisson connection drops or is made again: see the class comment. */
    private static final class ConnectionWakeUps implements ConnectionListener {
        volatile @Nullable FillAnnouncements fills;

        @Override
        public void onConnect(InetSocketAddress addr) {
            wake();
        }

        @Override
        public void onDisconnect(InetSocketAddress addr) {
            wake();
        }

        private void wake() {
            FillAnnouncements f = fills;
            if (f != null)
                f.wakeAll();
        }
    }

    private static Config config(RedisServers servers, Duration commandTimeout, @Nullable TrustManagerFactory trust) {
        int timeoutMillis = (int) commandTimeout.toMillis();
        Config config = new Config();
        servers.configure(config);
        if (trust != null)
            config.setSslTrustManagerFactory(trust);
        config.setLazyInitialization(true)             // created while Redis is down; connects on first use
            .setNettyThreads(2)                        // a lock client is light; Redisson's defaults (32 + 16) are for a data client
            .setThreads(2);
        if (servers.cluster()) {
            config.useClusterServers()
                .setTimeout(timeoutMillis)
                .setConnectTimeout(timeoutMillis)
                .setRetryAttempts(0)
                .setReconnectionDelay(RECONNECTION)
                .setReadMode(ReadMode.MASTER)          // a lock is read where it is written
                .setMasterConnectionMinimumIdleSize(1)
                .setMasterConnectionPoolSize(16)
                .setSlaveConnectionMinimumIdleSize(0)
                .setSubscriptionConnectionMinimumIdleSize(1)
                .setSubscriptionMode(SubscriptionMode.MASTER)
                .setCheckSlotsCoverage(false);         // a master down costs its slots' locks, not every lock
            return config;
        }
        if (servers.sentinel()) {
            config.useSentinelServers()                // the addresses are set: this adds the settings
                .setTimeout(timeoutMillis)
                .setConnectTimeout(timeoutMillis)
                .setRetryAttempts(0)
                .setReconnectionDelay(RECONNECTION)
                .setReadMode(ReadMode.MASTER)
                .setSubscriptionMode(SubscriptionMode.MASTER)
                .setMasterConnectionMinimumIdleSize(1)
                .setMasterConnectionPoolSize(16)
                .setSlaveConnectionMinimumIdleSize(0)
                .setSubscriptionConnectionMinimumIdleSize(1)
                .setCheckSentinelsList(false)          // one Sentinel given is enough to start
                .setScanInterval(500);                 // how soon a failover is followed
            return config;
        }
        SingleServerConfig server = config.useSingleServer();
        server.setTimeout(timeoutMillis)
            .setConnectTimeout(timeoutMillis)
            .setRetryAttempts(0)                       // a cache fails fast; the caller falls back to the database
            .setReconnectionDelay(RECONNECTION)
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

    /**
     * One attempt, without waiting: Redisson's lock script with a fresh owner id and a TTL of
     * {@code firstLease}, extended once the answer is heard.
     */
    private Optional<Lease> attempt(String lockKey, Duration lease) {
        String name = keyPrefix + lockKey;
        long id = ids.incrementAndGet();
        long leaseMillis = Math.max(1, lease.toMillis());
        long firstMillis = Math.min(leaseMillis, firstLease.toMillis());
        String command = "LOCK (lease=" + lease.toMillis() + "ms)";
        RLock lock = redisson.getLock(name);
        CompletableFuture<Boolean> acquired;
        try {
            acquired = lock.tryLockAsync(0, firstMillis, TimeUnit.MILLISECONDS, id).toCompletableFuture();
        } catch (RuntimeException e) {     // lazy initialization connects on the caller's thread
            throw failures.of(command, name, e);
        }
        boolean got;
        try {
            got = await(acquired, commandTimeout.multipliedBy(3), false);
        } catch (TimeoutException e) {
            cleanUp(lockKey, lock, id);
            throw failures.of(command, name, e);
        } catch (ExecutionException e) {
            // It may have reached Redis, and run there after we stopped waiting (a paused server).
            cleanUp(lockKey, lock, id);
            throw failures.of(command, name, Failures.causeOf(e));
        } catch (InterruptedException cannotHappen) {
            throw new AssertionError(cannotHappen);
        }
        if (!got)
            return Optional.empty();
        RedisLease held = new RedisLease(lock, lockKey, name, id, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(leaseMillis));
        if (leaseMillis > firstMillis)
            held.confirm();
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

    /**
     * Releases the lock by owner {@code id} in the background, once Redis answers: tried every
     * command timeout until an unlock is answered (released, or not held by {@code id}), for at most
     * {@code watchdogTimeout}, after which no lock of {@code id} can be left. A lock it frees is
     * announced, so that waiters take it at once.
     */
    private void cleanUp(String lockKey, RLock lock, long id) {
        releaseInBackground(lockKey, lock, id, false);
    }

    /**
     * Unlocks by owner {@code id} in the background, at once ({@code now}) or one command timeout
     * from now, and again every command timeout while Redis does not answer (see {@link #cleanUp}).
     */
    private void releaseInBackground(String lockKey, RLock lock, long id, boolean now) {
        cleanups.incrementAndGet();
        long giveUpAt = System.nanoTime() + watchdogTimeout.toNanos();
        Runnable[] task = new Runnable[1];
        task[0] = () -> {
            CompletableFuture<Void> unlocked;
            try {
                unlocked = lock.unlockAsync(id).toCompletableFuture();
            } catch (RuntimeException e) {
                unlocked = CompletableFuture.failedFuture(e);
            }
            // The callback is where the unlock's failure is handled, and it throws nothing itself, so
            // the future it returns has nothing more to tell.
            CompletableFuture<Void> unused = unlocked.whenComplete((done, failure) -> {
                if (failure == null) {
                    cleanups.decrementAndGet();
                    fills.announceReleaseInBackground(lockKey);
                } else if (ownedBySomeoneElse(failure) || System.nanoTime() - giveUpAt > 0 || !reschedule(task[0]))
                    cleanups.decrementAndGet();
            });
        };
        if (now)
            task[0].run();
        else if (!reschedule(task[0]))
            cleanups.decrementAndGet();
    }

    /** Runs {@code task} one command timeout from now; false if the backend is closed. */
    private boolean reschedule(Runnable task) {
        try {
            // Nothing cancels it, and a task of releaseInBackground handles its own failures.
            ScheduledFuture<?> unused = bounds.schedule(task, commandTimeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            return false;
        }
    }

    /** Releases by owner id not yet answered by Redis (see {@link #cleanUp}); for tests. */
    public int pendingCleanUps() {
        return cleanups.get();
    }

    private final class RedisLease implements Lease {
        private final RLock lock;
        private final String lockKey;
        private final String name;
        private final long id;
        /** When the lease ends, in {@link System#nanoTime()}. */
        private final long endsAt;
        private final AtomicBoolean released = new AtomicBoolean();
        private volatile @Nullable ScheduledFuture<?> renewals;
        private volatile @Nullable ScheduledFuture<?> bound;

        RedisLease(RLock lock, String lockKey, String name, long id, long endsAt) {
            this.lock = lock;
            this.lockKey = lockKey;
            this.name = name;
            this.id = id;
            this.endsAt = endsAt;
        }

        /**
         * Extends the lock from {@code firstLease} to the lease, or to {@code watchdogTimeout} renewed
         * every third of it and ended at the lease. A failure releases the lock (in the background if
         * need be) and is thrown: the caller must not think it holds a lock that expires under it.
         */
        void confirm() {
            try {
                if (!extend(true))
                    throw failures.of("PEXPIRE", name, "the lock expired before its holder could extend it");
                long left = endsAt - System.nanoTime();
                if (left > watchdogTimeout.toNanos()) {
                    long every = watchdogTimeout.toNanos() / 3;
                    renewals = bounds.scheduleAtFixedRate(this::renew, every, every, TimeUnit.NANOSECONDS);
                    bound = bounds.schedule(this::expire, left, TimeUnit.NANOSECONDS);
                }
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                expire();
                throw failures.of("LOCK", name, "the backend is closed");
            } catch (CacheBackendException e) {
                expire();
                throw e;
            }
        }

        /** Sets the lock's TTL to what is left of the lease, at most {@code watchdogTimeout}; true if still held. */
        private boolean extend(boolean wait) {
            long ttl = Math.min(watchdogTimeout.toMillis(), TimeUnit.NANOSECONDS.toMillis(endsAt - System.nanoTime()));
            if (ttl <= 0)
                return false;
            CompletableFuture<Long> extended;
            try {
                extended = redisson.getScript(StringCodec.INSTANCE).<Long>evalAsync(name, RScript.Mode.READ_WRITE, EXTEND,
                    RScript.ReturnType.LONG, List.of(name), String.valueOf(ttl), lockName(id)).toCompletableFuture();
            } catch (RuntimeException e) {
                throw failures.of("PEXPIRE", name, e);
            }
            if (!wait)
                return true;   // a renewal: if it fails the lock lapses within watchdogTimeout, which is all a lost renewal may cost
            try {
                Long set = await(extended, commandTimeout.multipliedBy(3), false);
                return set != null && set == 1;
            } catch (ExecutionException e) {
                throw failures.of("PEXPIRE", name, Failures.causeOf(e));
            } catch (TimeoutException e) {
                throw failures.of("PEXPIRE", name, e);
            } catch (InterruptedException cannotHappen) {
                throw new AssertionError(cannotHappen);
            }
        }

        private void renew() {
            if (released.get())
                return;
            try {
                extend(false);
            } catch (CacheBackendException e) {
                // Redis is away: the lock lapses within watchdogTimeout unless a later renewal lands
            }
        }

        /** Ends the lease without waiting: at its bound, or when it could not be confirmed. */
        private void expire() {
            if (!released.compareAndSet(false, true))
                return;
            stopTimers();
            unlockInBackground();
        }

        private void stopTimers() {
            ScheduledFuture<?> r = renewals;
            if (r != null)
                r.cancel(false);
            ScheduledFuture<?> b = bound;
            if (b != null)
                b.cancel(false);
        }

        private void unlockInBackground() {
            releaseInBackground(lockKey, lock, id, true);
        }

        @Override
        public void release() {
            if (!released.compareAndSet(false, true))
                return;
            stopTimers();
            CompletableFuture<Void> unlocked;
            try {
                unlocked = lock.unlockAsync(id).toCompletableFuture();
            } catch (RuntimeException e) {
                cleanUp(lockKey, lock, id);
                throw failures.of("UNLOCK", name, e);
            }
            try {
                await(unlocked, commandTimeout.multipliedBy(3), false);
            } catch (ExecutionException e) {
                if (!ownedBySomeoneElse(e)) {
                    cleanUp(lockKey, lock, id);
                    throw failures.of("UNLOCK", name, Failures.causeOf(e));
                }
                return;   // the lease had expired: nothing to release, and a successor holds it
            } catch (TimeoutException e) {
                cleanUp(lockKey, lock, id);
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

    /** The field under which Redisson's lock records owner {@code id} of this client. */
    private String lockName(long id) {
        return redisson.getId() + ":" + id;
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
