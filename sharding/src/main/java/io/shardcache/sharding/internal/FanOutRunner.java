package io.shardcache.sharding.internal;

import io.shardcache.sharding.FanOut;
import io.shardcache.sharding.FanOutException;
import io.shardcache.sharding.FanOutMode;
import io.shardcache.sharding.FanOutPolicy;
import io.shardcache.sharding.FanOutResult;
import io.shardcache.sharding.PhysicalServer;
import io.shardcache.sharding.ShardOutcome;
import io.shardcache.sharding.ShardingException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.impl.DefaultConnectionProvider;
import org.jspecify.annotations.Nullable;

/**
 * Runs a function on every logical shard in parallel on virtual threads.
 *
 * <p><b>Algorithm.</b> Every shard has a slot: a future completed exactly once with its outcome, by
 * whichever comes first of the function's return, its failure, the shard's timeout, or a cancellation. The
 * caller waits for all slots, never for threads, so a function that ignores interrupts cannot hold the
 * caller past its timeout.
 * <ul>
 *   <li>A shard's clock starts when it has its server's permit (its connection slot): shards queued behind
 *       a busy pool do not time out for waiting their turn. The permits are the server's
 *       {@link ServerPools#fanOutPermits()}, sized to its pool, so a fan-out never asks a pool for more
 *       connections than it has, however many shards the server holds.</li>
 *   <li>A timeout completes the slot and interrupts the thread while it still runs that shard (the runner
 *       is recorded under the slot's lock, and cleared under it before the thread moves on, so an interrupt
 *       never lands on the next shard). An interrupted JDBC read on a virtual thread closes its socket, so
 *       a timed-out connection is discarded: in per-server mode the server's next shard takes a fresh one.</li>
 *   <li>The first connection failure on a server marks it down for this fan-out; its shards that have not
 *       started fail at once with "not tried", so a dead server costs one {@code connectionTimeout} per
 *       permit, not one per shard.</li>
 *   <li>Under {@code FAIL_FAST} the first real failure completes every open slot as cancelled and
 *       interrupts their threads.</li>
 * </ul>
 * Threads still unwinding after their slot was completed (timed out, cancelled) may outlive the call.
 */
public final class FanOutRunner {

    /** One logical shard: its number, schema and the DSL bound to its server's primary pool. */
    public record ShardTarget(int shard, String schema, DSLContext dsl) {
    }

    /** One physical server and its shards, in shard order. */
    public record ServerTarget(PhysicalServer server, Semaphore permits, DataSource pool, List<ShardTarget> shards) {
    }

    private static final int MAX_LISTED_FAILURES = 10;

    private final ScheduledExecutorService timer;
    /** The shard tasks still running, those a fan-out left behind (it stopped early or timed out) included. */
    private final Set<Thread> running = ConcurrentHashMap.newKeySet();

    /** @param timer fires shard timeouts; should remove cancelled tasks, as most shards answer in time */
    public FanOutRunner(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    private void start(String name, Runnable task) {
        Thread t = Thread.ofVirtual().name(name).unstarted(() -> {
            try {
                task.run();
            } finally {
                running.remove(Thread.currentThread());
            }
        });
        running.add(t);
        t.start();
    }

    /**
     * Waits, at most {@code max}, until no shard task runs: the pools must not be closed under a task a fan-out
     * left behind (a shard that failed first, or timed out), whose connection then returns to a closed pool.
     *
     * @return whether every task ended in time
     */
    public boolean awaitIdle(Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        for (Thread t : List.copyOf(running)) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !t.join(Duration.ofNanos(left)))
                return running.isEmpty();
        }
        return true;
    }

    public <T extends @Nullable Object> FanOutResult<T> run(String mapName, List<ServerTarget> servers, FanOut options,
                                   Function<? super DSLContext, ? extends T> fn) {
        return new Run<T>(mapName, servers, options, fn).execute();
    }

    private final class Run<T extends @Nullable Object> {
        final String mapName;
        final FanOut options;
        final Function<? super DSLContext, ? extends T> fn;
        final List<ServerRun<T>> servers = new ArrayList<>();
        final List<Slot<T>> slots = new ArrayList<>();
        final AtomicBoolean stopped = new AtomicBoolean();
        final AtomicReference<ShardOutcome.@Nullable Failed<T>> firstFailure = new AtomicReference<>();
        final long startNanos = System.nanoTime();

        Run(String mapName, List<ServerTarget> targets, FanOut options, Function<? super DSLContext, ? extends T> fn) {
            this.mapName = mapName;
            this.options = options;
            this.fn = fn;
            for (ServerTarget t : targets) {
                ServerRun<T> s = new ServerRun<>(t);
                for (ShardTarget shard : t.shards()) {
                    Slot<T> slot = new Slot<>(shard, t.server());
                    s.slots.add(slot);
                    slots.add(slot);
                }
                servers.add(s);
            }
            slots.sort((a, b) -> Integer.compare(a.target.shard(), b.target.shard()));
            if (options.policy() == FanOutPolicy.FAIL_FAST)
                for (Slot<T> slot : slots) {
                    // A slot completes normally only (a failure is its outcome), and cancelAll throws
                    // nothing: the future this returns has nothing to tell.
                    CompletableFuture<Void> unused = slot.done.thenAccept(outcome -> {
                        if (outcome instanceof ShardOutcome.Failed<T> f && !slot.cancelled
                            && firstFailure.compareAndSet(null, f))
                            cancelAll("logical shard " + f.shard() + " on physical server " + f.server()
                                + " failed first (FAIL_FAST)");
                    });
                }
        }

        FanOutResult<T> execute() {
            for (ServerRun<T> s : servers) {
                if (options.mode() == FanOutMode.CONNECTION_PER_SERVER)
                    start("shardcache-fanout-" + mapName + "-" + s.target.server().name(), () -> runServer(s));
                else
                    for (Slot<T> slot : s.slots)
                        start("shardcache-fanout-" + mapName + "-" + slot.target.shard(), () -> runShard(s, slot));
            }
            try {
                CompletableFuture.allOf(slots.stream().map(s -> s.done).toArray(CompletableFuture[]::new)).get();
            } catch (InterruptedException e) {
                cancelAll("the caller was interrupted");
                Thread.currentThread().interrupt();
                throw new ShardingException("interrupted while waiting for a fan-out over map '" + mapName + "'", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("a fan-out slot completed exceptionally", e.getCause());   // slots complete normally only
            }
            List<ShardOutcome<T>> outcomes = new ArrayList<>(slots.size());
            for (Slot<T> slot : slots)
                outcomes.add(slot.done.join());
            FanOutResult<T> result = new FanOutResult<>(outcomes, Duration.ofNanos(System.nanoTime() - startNanos));
            return switch (options.policy()) {
                case BEST_EFFORT -> result;
                case FAIL_FAST -> {
                    ShardOutcome.Failed<T> first = firstFailure.get();
                    if (first == null)   // allOf's dependent can run before the callback that records it
                        first = firstRealFailure();
                    if (first == null)
                        yield result;
                    throw new FanOutException("fan-out over the " + slots.size() + " logical shards of map '" + mapName
                        + "' stopped at the first failure (FAIL_FAST): " + first.error().getMessage(),
                        first.shard(), first.server(), first.error(), result);
                }
                case REQUIRE_ALL -> {
                    List<ShardOutcome.Failed<T>> failures = result.failures();
                    if (failures.isEmpty())
                        yield result;
                    throw requireAllFailed(result, failures);
                }
            };
        }

        /** The lowest-numbered failure that was not a cancellation, or null. */
        private ShardOutcome.@Nullable Failed<T> firstRealFailure() {
            for (Slot<T> slot : slots)
                if (!slot.cancelled && slot.done.join() instanceof ShardOutcome.Failed<T> f)
                    return f;
            return null;
        }

        private FanOutException requireAllFailed(FanOutResult<T> result, List<ShardOutcome.Failed<T>> failures) {
            StringBuilder m = new StringBuilder("fan-out over map '").append(mapName).append("' failed on ")
                .append(failures.size()).append(" of ").append(slots.size()).append(" logical shards (REQUIRE_ALL): ");
            for (int i = 0; i < Math.min(failures.size(), MAX_LISTED_FAILURES); i++)
                m.append(i == 0 ? "" : "; ").append(failures.get(i).error().getMessage());
            if (failures.size() > MAX_LISTED_FAILURES)
                m.append("; and ").append(failures.size() - MAX_LISTED_FAILURES).append(" more, listed in result()");
            long servers = failures.stream().map(ShardOutcome::server).distinct().count();
            ShardOutcome.Failed<T> first = failures.getFirst();
            return new FanOutException(m.toString(), failures.size() == 1 ? first.shard() : -1,
                servers == 1 ? first.server() : null, first.error(), result);
        }

        void cancelAll(String why) {
            if (!stopped.compareAndSet(false, true))
                return;
            for (Slot<T> slot : slots) {
                synchronized (slot) {
                    if (slot.done.isDone())
                        continue;
                    slot.cancelled = true;
                    long ran = slot.startedNanos == 0 ? 0 : System.nanoTime() - slot.startedNanos;
                    slot.done.complete(failed(slot, new ShardingException(describe(slot) + " was cancelled: " + why,
                        slot.target.shard(), slot.server.name(), null), ran));
                    if (slot.runner != null)
                        slot.runner.interrupt();
                }
            }
        }

        void runShard(ServerRun<T> s, Slot<T> slot) {
            Semaphore permits = s.target.permits();
            try {
                permits.acquire();
            } catch (InterruptedException e) {
                return;                     // only a cancellation interrupts a waiting shard; its slot is done
            }
            try {
                attempt(s, slot, null);
            } finally {
                permits.release();
            }
        }

        void runServer(ServerRun<T> s) {
            Semaphore permits = s.target.permits();
            try {
                permits.acquire();
            } catch (InterruptedException e) {
                return;
            }
            @Nullable Connection[] connection = new Connection[1];
            try {
                for (Slot<T> slot : s.slots)
                    attempt(s, slot, connection);       // skips slots already cancelled
            } finally {
                closeQuietly(connection[0]);
                permits.release();
            }
        }

        /**
         * Runs the function for one shard. {@code connection} is null in per-shard mode (the shard's DSL
         * takes a pooled connection per statement), else the server's shared connection, opened lazily
         * inside the shard's timed window and dropped after a timeout.
         */
        void attempt(ServerRun<T> s, Slot<T> slot, @Nullable Connection @Nullable [] connection) {
            synchronized (slot) {
                if (slot.done.isDone())
                    return;
                slot.runner = Thread.currentThread();
                slot.startedNanos = System.nanoTime();
            }
            boolean timedOut;
            try {
                ShardingException down = s.down.get();
                if (down != null) {
                    slot.done.complete(failed(slot, new ShardingException(describe(slot) + " was not tried: "
                        + down.getMessage(), slot.target.shard(), slot.server.name(), down.getCause()), 0));
                    return;
                }
                slot.watchdog = timer.schedule(() -> timeout(slot), options.shardTimeout().toMillis(), TimeUnit.MILLISECONDS);
                try {
                    DSLContext dsl = slot.target.dsl();
                    if (connection != null) {
                        if (connection[0] == null)
                            connection[0] = s.target.pool().getConnection();
                        dsl = dsl.configuration().derive(new DefaultConnectionProvider(connection[0])).dsl();
                    }
                    T value = fn.apply(dsl);
                    slot.done.complete(new ShardOutcome.Answered<>(slot.target.shard(), slot.server.name(),
                        slot.target.schema(), value, Duration.ofNanos(System.nanoTime() - slot.startedNanos)));
                } catch (Throwable e) {
                    long ran = System.nanoTime() - slot.startedNanos;
                    ShardingException error = new ShardingException(describe(slot) + " failed after " + ran / 1_000_000
                        + " ms: " + ConnectionErrors.describe(e), slot.target.shard(), slot.server.name(), e);
                    if (ConnectionErrors.isConnectionError(e))
                        s.down.compareAndSet(null, new ShardingException("physical server " + slot.server.name() + " ("
                            + slot.server.address() + ") gave no connection to logical shard " + slot.target.shard()
                            + " in this fan-out: " + e.getMessage(), -1, slot.server.name(), e));
                    slot.done.complete(failed(slot, error, ran));
                }
            } finally {
                synchronized (slot) {
                    slot.runner = null;
                    timedOut = slot.timedOut;
                    if (slot.watchdog != null)
                        slot.watchdog.cancel(false);
                }
                Thread.interrupted();       // an interrupt meant for this shard must not hit the next one
            }
            if (timedOut && connection != null) {
                closeQuietly(connection[0]);
                connection[0] = null;
            }
        }

        void timeout(Slot<T> slot) {
            synchronized (slot) {
                long ran = System.nanoTime() - slot.startedNanos;
                if (slot.done.complete(failed(slot, new ShardingException(describe(slot) + " did not answer within "
                    + options.shardTimeout().toMillis() + " ms (shardTimeout; waited " + ran / 1_000_000
                    + " ms) and was interrupted", slot.target.shard(), slot.server.name(), null), ran))) {
                    slot.timedOut = true;
                    if (slot.runner != null)
                        slot.runner.interrupt();
                }
            }
        }

        ShardOutcome.Failed<T> failed(Slot<T> slot, ShardingException error, long nanos) {
            return new ShardOutcome.Failed<>(slot.target.shard(), slot.server.name(), slot.target.schema(), error,
                Duration.ofNanos(nanos));
        }
    }

    private static String describe(Slot<?> slot) {
        return "logical shard " + slot.target.shard() + " (schema " + slot.target.schema() + " on physical server "
            + slot.server.name() + ")";
    }

    private static void closeQuietly(@Nullable Connection c) {
        if (c == null)
            return;
        try {
            c.close();
        } catch (SQLException ignored) {
            // the connection is already broken (that is why it is closed); the pool discards it
        }
    }

    private static final class ServerRun<T extends @Nullable Object> {
        final ServerTarget target;
        final List<Slot<T>> slots = new ArrayList<>();
        final AtomicReference<@Nullable ShardingException> down = new AtomicReference<>();

        ServerRun(ServerTarget target) {
            this.target = target;
        }
    }

    private static final class Slot<T extends @Nullable Object> {
        final ShardTarget target;
        final PhysicalServer server;
        final CompletableFuture<ShardOutcome<T>> done = new CompletableFuture<>();
        // guarded by this
        @Nullable Thread runner;
        long startedNanos;
        boolean timedOut;
        boolean cancelled;
        @Nullable ScheduledFuture<?> watchdog;

        Slot(ShardTarget target, PhysicalServer server) {
            this.target = target;
            this.server = server;
        }
    }
}
