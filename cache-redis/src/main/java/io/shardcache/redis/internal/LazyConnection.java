package io.shardcache.redis.internal;

import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.shardcache.query.CacheBackendException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * One Lettuce connection of a backend (to a server, or a cluster's connection that routes each
 * key to its node), opened on first use rather than at construction, so a
 * backend can be created while Redis is down.
 *
 * <p>Lettuce re-establishes a connection that it once had (auto-reconnect), but it has no lazy
 * first connect: {@code RedisClient.connect} simply fails while the server is down. So until the
 * first connection succeeds this class owns the retrying:
 * <ul>
 * <li>At most one connection attempt is in flight; concurrent callers share it and each waits at
 *     most the command timeout for it (the attempt itself goes on in the background).</li>
 * <li>After an attempt failed, calls fail at once, without touching the network, for
 *     {@link #RETRY_AFTER}; the first call after that starts the next attempt. A backend pointed at
 *     a dead server thus costs its callers nothing but an exception.</li>
 * <li>Once connected the connection is kept for good; from then on outages are Lettuce's business
 *     (commands rejected while disconnected, reconnect in the background).</li>
 * </ul>
 * Thread-safe.
 */
public final class LazyConnection implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(LazyConnection.class.getName());

    /** How long after a failed first-connection attempt the next one may start. */
    public static final Duration RETRY_AFTER = Duration.ofMillis(500);

    private final Supplier<CompletableFuture<Opened>> opener;
    private final Duration commandTimeout;
    private final Failures failures;

    private final Object lock = new Object();
    /** The current or last attempt; guarded by {@code lock}. */
    private @Nullable CompletableFuture<Opened> attempt;
    /** When the last attempt failed, in {@link System#nanoTime()} (only ever compared, never shown); guarded by {@code lock}. */
    private long failedAt;
    private boolean closed;
    private volatile @Nullable RedisClusterCommands<String, byte[]> connected;
    private volatile @Nullable StatefulConnection<String, byte[]> connection;

    /** An open connection: its synchronous commands, and itself, to close. */
    public record Opened(RedisClusterCommands<String, byte[]> commands, StatefulConnection<String, byte[]> connection) {
    }

    /** {@code opener} starts one connection attempt each time it is called. */
    public LazyConnection(Supplier<CompletableFuture<Opened>> opener, Duration commandTimeout, Failures failures) {
        this.opener = opener;
        this.commandTimeout = commandTimeout;
        this.failures = failures;
    }

    /** Starts connecting in the background without waiting; a failure is remembered, not thrown. */
    public void connectInBackground() {
        synchronized (lock) {
            if (!closed && attempt == null)
                attempt = start();
        }
    }

    /**
     * The synchronous command API of the connection, connecting first if need be.
     *
     * @param command and {@code key}: what the caller is about to do, for the failure's message
     * @throws CacheBackendException when there is no connection (yet) or the backend was closed
     */
    public RedisClusterCommands<String, byte[]> commands(String command, String key) {
        RedisClusterCommands<String, byte[]> c = connected;
        return c != null ? c : connect(command, key);
    }

    /**
     * The connection itself (for its asynchronous API), connecting first if need be.
     *
     * @throws CacheBackendException as {@link #commands} does
     */
    public StatefulConnection<String, byte[]> connection(String command, String key) {
        commands(command, key);
        return java.util.Objects.requireNonNull(connection, "set with the commands");
    }

    /** Whether the connection has been made (it may have dropped since: Lettuce is reconnecting it). */
    public boolean isConnected() {
        return connected != null;
    }

    private RedisClusterCommands<String, byte[]> connect(String command, String key) {
        CompletableFuture<Opened> current;
        synchronized (lock) {
            if (closed)
                throw failures.of(command, key, "the backend is closed");
            if (connected != null)
                return connected;
            if (attempt == null || (attempt.isCompletedExceptionally() && System.nanoTime() - failedAt >= RETRY_AFTER.toNanos()))
                attempt = start();
            current = attempt;
        }
        if (current.isCompletedExceptionally()) {
            try {
                current.join();
            } catch (RuntimeException e) {
                throw failures.of(command, key, new NotConnectedException(
                    "not connected; the last connection attempt failed, the next starts within " + RETRY_AFTER.toMillis() + "ms",
                    Failures.unwrap(e)));
            }
        }
        try {
            return current.get(commandTimeout.toNanos(), TimeUnit.NANOSECONDS).commands();
        } catch (TimeoutException e) {
            throw failures.of(command, key, new NotConnectedException("still connecting", e));
        } catch (ExecutionException e) {
            throw failures.of(command, key, Failures.causeOf(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failures.of(command, key, new NotConnectedException("interrupted while connecting", e));
        }
    }

    /** Must hold {@code lock}. */
    private CompletableFuture<Opened> start() {
        CompletableFuture<Opened> f;
        try {
            f = opener.get();
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        // The attempt callers see is the one that completes after this bookkeeping, so that an
        // attempt seen as failed always has its failedAt set.
        return f.whenComplete((opened, error) -> {
            synchronized (lock) {
                if (error != null) {
                    failedAt = System.nanoTime();
                } else if (closed) {
                    // Landed after close: nobody will use it, nor wait to hear that closing it failed.
                    opened.connection().closeAsync().exceptionally(e -> {
                        LOG.log(Level.DEBUG, "could not close a connection that was made after the backend closed", e);
                        return null;
                    });
                } else {
                    connection = opened.connection();
                    connected = opened.commands();
                }
            }
        });
    }

    @Override
    public void close() {
        CompletableFuture<Opened> last;
        synchronized (lock) {
            if (closed)
                return;
            closed = true;
            last = attempt;
            connected = null;
        }
        if (last != null && last.isDone() && !last.isCompletedExceptionally())
            last.join().connection().close();
        // An attempt still in flight closes its connection itself when it lands (see start).
    }

    /** Why a command could not even be sent: there is no connection. */
    static final class NotConnectedException extends Exception {
        NotConnectedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
