package io.shardcache.benchmarks.stampede;

import com.zaxxer.hikari.HikariDataSource;
import io.shardcache.query.CacheBackendException;
import io.shardcache.query.spi.RegenerationLocks;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** What a child prepares before its warm-up reads, so that the stampede does not pay for it. */
final class WarmUp {

    static final int CONTENDED_LOCK_ROUNDS = 30;

    private WarmUp() {
    }

    /**
     * Runs Redisson's contended path (a waiter subscribes to the lock's channel, is woken by the
     * holder's unlock message, and takes the lock) a number of times, with two leases in this JVM:
     * the lock ids are per lease, so the second waits as a caller in another JVM would. Without
     * this, the first cross-JVM handoff of the stampede runs that code cold, which costs each waiting
     * JVM tens of milliseconds on this machine. The key is outside the stampede's region.
     */
    static void contendedLock(RegenerationLocks locks, String keyPrefix) throws InterruptedException {
        Duration lease = Duration.ofSeconds(10);
        int failed = 0;
        Exception last = null;
        for (int i = 0; i < CONTENDED_LOCK_ROUNDS; i++) {
            String key = keyPrefix + i + ":lock";   // a new key per round: a failed round may leave its lock held
            try {
                RegenerationLocks.Lease first = locks.tryAcquire(key, lease)
                    .orElseThrow(() -> new IllegalStateException("lock " + key + " is taken"));
                CompletableFuture<Optional<RegenerationLocks.Lease>> second = new CompletableFuture<>();
                Thread.ofPlatform().start(() -> {
                    try {
                        second.complete(locks.acquire(key, Duration.ofSeconds(10), lease).held());
                    } catch (Throwable e) {
                        second.completeExceptionally(e);
                    }
                });
                Thread.sleep(3);   // the second caller subscribes and waits
                first.release();
                second.get(15, TimeUnit.SECONDS)
                    .orElseThrow(() -> new IllegalStateException("lock " + key + " was not handed over"))
                    .release();
            } catch (CacheBackendException | IllegalStateException | ExecutionException | TimeoutException e) {
                // Redis slower than the command timeout while the JVMs start on a busy machine: try the next round.
                failed++;
                last = e;
            }
        }
        if (failed > 0)
            System.err.println("warm-up: " + failed + " of " + CONTENDED_LOCK_ROUNDS + " contended-lock rounds failed, last: " + last);
    }

    /** Opens every connection of the pool now, so that no caller pays for one during the stampede. */
    static void openEveryConnection(HikariDataSource pool, int size) throws SQLException {
        List<Connection> held = new ArrayList<>();
        try {
            for (int i = 0; i < size; i++) {
                Connection c = pool.getConnection();
                held.add(c);
                try (var s = c.createStatement()) {
                    s.execute("select 1");
                }
            }
        } finally {
            for (Connection c : held)
                c.close();
        }
    }
}
