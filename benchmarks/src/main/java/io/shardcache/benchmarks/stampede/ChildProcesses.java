package io.shardcache.benchmarks.stampede;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;

/**
 * The child JVMs of one run and the protocol with them, over their standard streams:
 * <ol>
 * <li>a child warms up and prints {@value #READY} on its stdout;</li>
 * <li>when every child is ready, {@link #go()} writes {@value #GO} to each child's stdin, one after
 *     the other without waiting for anything in between;</li>
 * <li>each child prints one {@link ChildResult} line and exits with status 0.</li>
 * </ol>
 * Everything else a child prints, on either stream, is passed through to {@code passThrough},
 * prefixed with {@code [child N]}. A child that exits before its READY or its result, or with a
 * non-zero status, fails the wait with a message naming it and its exit status. {@link #close()}
 * ends every child still running (only the processes started here). Not thread-safe.
 */
final class ChildProcesses implements AutoCloseable {

    static final String READY = "READY";
    static final String GO = "GO";

    private final List<Child> children = new ArrayList<>();
    private final PrintStream passThrough;
    private final Thread killOnExit;

    private static final class Child {
        final int index;
        final Process process;
        final Writer stdin;
        final CompletableFuture<Void> ready = new CompletableFuture<>();
        final CompletableFuture<ChildResult> result = new CompletableFuture<>();
        final Thread out;
        final Thread err;

        Child(int index, Process process, PrintStream passThrough) {
            this.index = index;
            this.process = process;
            this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            this.out = Thread.ofPlatform().daemon().name("stampede-child-" + index + "-out")
                .start(() -> readStdout(passThrough));
            this.err = Thread.ofPlatform().daemon().name("stampede-child-" + index + "-err")
                .start(() -> pass(process.getErrorStream(), passThrough));
        }

        String name() {
            return "child " + index + " (pid " + process.pid() + ")";
        }

        private void readStdout(PrintStream passThrough) {
            try (BufferedReader r = reader(process.getInputStream())) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.equals(READY)) {
                        ready.complete(null);
                    } else if (line.startsWith(ChildResult.TAG + " ")) {
                        try {
                            result.complete(ChildResult.parse(line));
                        } catch (IllegalArgumentException e) {
                            result.completeExceptionally(new IllegalStateException(name() + " printed a malformed result: " + e.getMessage(), e));
                        }
                    } else {
                        passThrough.println("[child " + index + "] " + line);
                    }
                }
            } catch (IOException e) {
                if (process.isAlive())
                    passThrough.println("[child " + index + "] (stdout unreadable: " + e + ")");
            }
            // End of stdout: the child has exited or is about to. Whatever it has not delivered, it never will.
            int status = exitStatus();
            ready.completeExceptionally(new IllegalStateException(name() + " exited with status " + status
                + " before it was ready; its output is above"));
            result.completeExceptionally(new IllegalStateException(name() + " exited with status " + status
                + " without printing its result; its output is above"));
        }

        private void pass(InputStream stream, PrintStream passThrough) {
            try (BufferedReader r = reader(stream)) {
                for (String line; (line = r.readLine()) != null; )
                    passThrough.println("[child " + index + "] " + line);
            } catch (IOException e) {
                if (process.isAlive())   // else the stream was closed because the child was ended
                    passThrough.println("[child " + index + "] (stderr unreadable: " + e + ")");
            }
        }

        private int exitStatus() {
            try {
                return process.waitFor(10, TimeUnit.SECONDS) ? process.exitValue() : -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }

        private static BufferedReader reader(InputStream in) {
            return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
    }

    /**
     * Starts {@code count} children: {@code command.apply(i)} is child {@code i}'s command line, and
     * {@code environment} is added to the inherited environment.
     */
    ChildProcesses(int count, IntFunction<List<String>> command, Map<String, String> environment, PrintStream passThrough)
        throws IOException {
        this.passThrough = passThrough;
        this.killOnExit = new Thread(this::destroyAll, "stampede-kill-children");
        Runtime.getRuntime().addShutdownHook(killOnExit);
        try {
            for (int i = 0; i < count; i++) {
                ProcessBuilder pb = new ProcessBuilder(command.apply(i));
                pb.environment().putAll(environment);
                children.add(new Child(i, pb.start(), passThrough));
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Waits until every child printed READY; fails as soon as one child fails. */
    void awaitReady(Duration timeout) throws InterruptedException {
        awaitAll(children.stream().map(c -> c.ready).toList(), timeout, "to be ready");
    }

    /** Releases every child; returns how long writing GO to all of them took, in nanoseconds. */
    long go() throws IOException {
        long start = System.nanoTime();
        for (Child c : children) {
            c.stdin.write(GO + "\n");
            c.stdin.flush();
        }
        return System.nanoTime() - start;
    }

    /** Waits for every child's result and for every child to exit with status 0. */
    List<ChildResult> awaitResults(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        awaitAll(children.stream().map(c -> c.result).toList(), timeout, "to report");
        List<ChildResult> results = new ArrayList<>();
        for (Child c : children) {
            long left = Math.max(Duration.ofSeconds(30).toNanos(), deadline - System.nanoTime());
            if (!c.process.waitFor(left, TimeUnit.NANOSECONDS))
                throw new IllegalStateException(c.name() + " reported but did not exit within " + Duration.ofNanos(left).toSeconds() + " s");
            c.out.join();
            c.err.join();
            if (c.process.exitValue() != 0)
                throw new IllegalStateException(c.name() + " reported but exited with status " + c.process.exitValue()
                    + "; its output is above");
            results.add(c.result.join());
        }
        return results;
    }

    private void awaitAll(List<? extends CompletableFuture<?>> futures, Duration timeout, String what) throws InterruptedException {
        CompletableFuture<Void> firstFailure = new CompletableFuture<>();
        for (CompletableFuture<?> f : futures)
            f.exceptionally(e -> {
                firstFailure.completeExceptionally(e);   // awaited below
                return null;
            });
        try {
            CompletableFuture.anyOf(CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)), firstFailure)
                .get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof java.util.concurrent.CompletionException ce ? ce.getCause() : e.getCause();
            throw new IllegalStateException(cause.getMessage(), cause);
        } catch (TimeoutException e) {
            StringBuilder late = new StringBuilder();
            for (int i = 0; i < futures.size(); i++)
                if (!futures.get(i).isDone())
                    late.append(late.isEmpty() ? "" : ", ").append(children.get(i).name());
            throw new IllegalStateException("waited " + timeout.toSeconds() + " s for the children " + what + "; still waiting for " + late);
        }
    }

    /** Ends every child that still runs (gently, then forcibly) and stops passing their output through. */
    @Override
    public void close() {
        destroyAll();
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }

    private void destroyAll() {
        for (Child c : children)
            if (c.process.isAlive())
                c.process.destroy();
        for (Child c : children) {
            try {
                if (!c.process.waitFor(5, TimeUnit.SECONDS)) {
                    passThrough.println("# " + c.name() + " did not end on SIGTERM; killing it");
                    c.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
                c.out.join(2000);
                c.err.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
