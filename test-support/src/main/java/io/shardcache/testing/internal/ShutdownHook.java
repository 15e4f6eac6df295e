package io.shardcache.testing.internal;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Closes a server exactly once: when its owner calls {@link #close()} or, failing that, when the JVM
 * shuts down. Owners call {@link #close()} first thing in their own {@code close()} and stop only
 * when it returns true.
 */
final class ShutdownHook {

    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread hook;

    ShutdownHook(String name, Runnable onShutdown) {
        this.hook = new Thread(onShutdown, name);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Whether {@link #close()} has been called, by the owner or by the hook. */
    boolean isClosed() {
        return closed.get();
    }

    /** True for the first caller only; unregisters the hook unless it is the hook that is closing. */
    boolean close() {
        if (!closed.compareAndSet(false, true))
            return false;
        if (Thread.currentThread() != hook) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running or about to; stopping twice is harmless.
            }
        }
        return true;
    }
}
