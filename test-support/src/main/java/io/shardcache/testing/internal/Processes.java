package io.shardcache.testing.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Watching processes this JVM did not start. Not for use outside shardcache's test-support. */
public final class Processes {
    private static final long POLL_MILLIS = 10;

    private Processes() {
    }

    /**
     * Whether the process exists and has not exited. A process that exited but was not reaped yet (a
     * zombie) counts as exited: pg_ctl's postmaster is re-parented to PID 1, and in a container whose PID 1
     * does not reap it stays a zombie forever, which {@link ProcessHandle#isAlive()} reports as alive.
     */
    public static boolean isRunning(long pid) {
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // "pid (command) state ...": the command may contain spaces and parentheses.
            int end = stat.lastIndexOf(')');
            return end < 0 || end + 2 >= stat.length() || stat.charAt(end + 2) != 'Z';
        } catch (IOException | UnsupportedOperationException noProcFileSystem) {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
    }

    /**
     * Waits until the process is no longer {@link #isRunning(long) running}. Polls: a process that is not
     * our child cannot be waited for, and {@link ProcessHandle#onExit()} polls with back-off, which cost
     * more than a second per stop.
     */
    static boolean awaitExit(long pid, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isRunning(pid)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(POLL_MILLIS);
        }
        return true;
    }
}
