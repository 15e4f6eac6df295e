package io.shardcache.redis;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Another JVM running a test-side {@code main} class on this JVM's class path: a real second
 * process, with its own Redis clients, connection pool and engine, that a test can kill.
 *
 * <p>The child speaks line by line: it prints status lines on stdout (read here into a queue) and
 * reads commands from stdin; its stderr (logs, stack traces) goes to a file that failure messages
 * quote. A child must exit when its stdin closes (see {@link ChildSide#exitWhenParentGoes}), so a
 * test JVM that dies takes its children with it; {@link #close()} kills it in any case.
 */
final class ChildJvm implements AutoCloseable {

    /** Small heaps and a quick JIT: up to four children share two cores with the test JVM. */
    private static final List<String> JVM_OPTIONS = List.of(
        "-Xmx160m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto");

    private static final String EXITED = "\u0000exited";

    private final String name;
    private final Process process;
    private final Path stderr;
    private final Writer stdin;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();

    private ChildJvm(String name, Process process, Path stderr) {
        this.name = name;
        this.process = process;
        this.stderr = stderr;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread.ofPlatform().daemon().name("child-stdout-" + name).start(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; )
                    lines.add(line);
            } catch (IOException ignored) {
                // the child died: the queue ends below
            } finally {
                lines.add(EXITED);
            }
        });
    }

    /**
     * Starts {@code main} in a new JVM with this JVM's java and class path.
     *
     * @param env added to the child's environment (secrets stay off the command line)
     */
    static ChildJvm start(String name, Class<?> main, List<String> args, Map<String, String> env) throws IOException {
        String java = ProcessHandle.current().info().command()
            .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(JVM_OPTIONS);
        command.add("-cp");
        command.add(classPath());
        command.add(main.getName());
        command.addAll(args);
        Path stderr = Files.createTempFile("shardcache-child-" + name + "-", ".log");
        ProcessBuilder builder = new ProcessBuilder(command)
            .redirectError(stderr.toFile());
        builder.environment().putAll(env);
        return new ChildJvm(name, builder.start(), stderr);
    }

    /**
     * The test class path. Failsafe sets {@code surefire.test.class.path} (and fakes
     * {@code java.class.path} to the same) even when it boots the fork from a manifest-only jar;
     * should only that jar be left, it still works as a class path, as its manifest lists the rest.
     */
    static String classPath() {
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank())
            cp = System.getProperty("java.class.path");
        return cp;
    }

    String name() {
        return name;
    }

    Process process() {
        return process;
    }

    /**
     * The next stdout line starting with {@code prefix} (earlier other lines are kept for messages).
     *
     * @throws AssertionError if the child exits or stays silent for {@code timeout}; the message
     *         quotes its output
     */
    String await(String prefix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null)
                throw new AssertionError("child " + name + " printed no '" + prefix + "' line within " + timeout.toMillis() + " ms"
                    + describe());
            if (line.equals(EXITED)) {
                lines.add(EXITED);
                process.waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError("child " + name + " exited" + (process.isAlive() ? "" : " with " + process.exitValue())
                    + " before printing a '" + prefix + "' line" + describe());
            }
            seen.add(line);
            if (line.startsWith(prefix))
                return line;
        }
    }

    /** Writes one line to the child's stdin. */
    void send(String line) {
        try {
            stdin.write(line + "\n");
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("child " + name + " does not read its stdin any more" + describe(), e);
        }
    }

    /** Kills the process at once (SIGKILL: no shutdown hooks, no unlock) and waits for it to be gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS))
            throw new AssertionError("child " + name + " (pid " + process.pid() + ") still runs 10 s after SIGKILL");
    }

    /** What the child said so far, for failure messages. */
    String describe() {
        String err;
        try {
            List<String> all = Files.readAllLines(stderr);
            err = String.join("\n", all.subList(Math.max(0, all.size() - 40), all.size()));
        } catch (IOException e) {
            err = "(unreadable: " + e + ")";
        }
        return "\n--- stdout of " + name + " ---\n" + String.join("\n", seen) + "\n--- stderr of " + name + " (last 40 lines) ---\n" + err;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            if (process.isAlive())
                kill();
        } finally {
            Files.deleteIfExists(stderr);
        }
    }
}
