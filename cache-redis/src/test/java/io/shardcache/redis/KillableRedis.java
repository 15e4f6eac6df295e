package io.shardcache.redis;

import io.shardcache.testing.EmbeddedServices;
import io.shardcache.testing.Eventually;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.ServiceSource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.embedded.core.ExecutableProvider;

/**
 * A {@code redis-server} process of this test's own on a fixed free port, which the test may kill
 * with SIGKILL (no goodbye to clients) and start again on the same port, empty. The shared server
 * of the other tests is never touched.
 *
 * <p>The binary is {@code redis-server} from the {@code PATH} if there is one, else the one shipped
 * in {@code com.github.codemonstur:embedded-redis} (test-support's {@link EmbeddedServices#startRedis()}
 * starts that one too, but its handle can only stop the server politely, on a port it picks). The
 * server saves nothing, so a restart comes back empty, as a crashed cache without persistence does.
 */
final class KillableRedis implements AutoCloseable {

    private final Path executable;
    private final Path directory;
    private final int port;
    private final List<String> extraArguments;
    /** Non-null for a Sentinel: the lines of its configuration file after port, bind and dir. */
    private final @org.jspecify.annotations.Nullable List<String> sentinelConfig;
    private Process process;

    private KillableRedis(Path executable, Path directory, int port, List<String> extraArguments,
                          @org.jspecify.annotations.Nullable List<String> sentinelConfig) {
        this.executable = executable;
        this.directory = directory;
        this.port = port;
        this.extraArguments = extraArguments;
        this.sentinelConfig = sentinelConfig;
    }

    static KillableRedis start() throws IOException, InterruptedException {
        return start(List.of());
    }

    /** A server started with {@code extraArguments} after the usual ones, e.g. {@code --cluster-enabled yes}. */
    static KillableRedis start(List<String> extraArguments) throws IOException, InterruptedException {
        Path directory = Files.createTempDirectory("shardcache-killable-redis-");
        KillableRedis redis = new KillableRedis(executable(directory), directory, TcpProxy.freePort(), List.copyOf(extraArguments), null);
        redis.launch();
        return redis;
    }

    /** A Sentinel ({@code redis-server <file> --sentinel}) whose configuration file holds {@code config}. */
    static KillableRedis startSentinel(List<String> config) throws IOException, InterruptedException {
        Path directory = Files.createTempDirectory("shardcache-sentinel-");
        KillableRedis sentinel = new KillableRedis(executable(directory), directory, TcpProxy.freePort(), List.of(), List.copyOf(config));
        sentinel.launch();
        return sentinel;
    }

    int port() {
        return port;
    }

    synchronized boolean running() {
        return process != null && process.isAlive();
    }

    private static Path executable(Path directory) throws IOException {
        String path = System.getenv("PATH");
        if (path != null)
            for (String dir : path.split(java.io.File.pathSeparator)) {
                Path candidate = Path.of(dir, "redis-server");
                if (Files.isExecutable(candidate))
                    return candidate;
            }
        return ExecutableProvider.newJarResourceProvider(directory.toFile()).get().toPath();
    }

    RedisService service() {
        return new RedisService(ServiceSource.EMBEDDED, "127.0.0.1", port);
    }

    String uri() {
        return service().uri();
    }

    /** Starts the server and waits (at most 10 s) until it answers {@code PING}. */
    synchronized void launch() throws IOException, InterruptedException {
        if (process != null && process.isAlive())
            throw new IllegalStateException("redis on port " + port + " is already running");
        List<String> command;
        if (sentinelConfig != null) {
            Path file = directory.resolve("sentinel.conf");   // written afresh: a Sentinel rewrites its own
            List<String> lines = new java.util.ArrayList<>(List.of("port " + port, "bind 127.0.0.1",
                "dir " + directory, "logfile " + directory.resolve("redis.log")));
            lines.addAll(sentinelConfig);
            Files.write(file, lines);
            command = List.of(executable.toString(), file.toString(), "--sentinel");
        } else {
            command = new java.util.ArrayList<>(List.of(executable.toString(),
                "--port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", directory.toString(), "--logfile", directory.resolve("redis.log").toString()));
            command.addAll(extraArguments);
        }
        process = new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(directory.resolve("redis.out").toFile())
            .start();
        Process started = process;
        Eventually.await("redis-server (" + executable + ") on port " + port + " answering PING", Duration.ofSeconds(10), () -> {
            if (!started.isAlive())
                throw new IOException("redis-server (" + executable + ") on port " + port + " exited: " + log());
            return answersPing();
        }, answers -> answers);
    }

    /** SIGKILL, and waits until the process is gone. */
    synchronized void kill() throws InterruptedException {
        if (process == null)
            return;
        process.destroyForcibly();   // a paused (SIGSTOP) process dies of SIGKILL too
        if (!process.waitFor(10, TimeUnit.SECONDS))
            throw new AssertionError("redis-server pid " + process.pid() + " survived SIGKILL for 10 s");
    }

    /** SIGSTOP: the server keeps its connections but answers nothing, as a Redis stalled by the OS or a long fork does. */
    synchronized void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause}: the server runs what it was sent meanwhile. */
    synchronized void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        if (process == null || !process.isAlive())
            throw new IllegalStateException("redis on port " + port + " is not running");
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0)
            throw new IOException("kill -" + name + " " + process.pid() + " failed");
    }

    private boolean answersPing() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            s.setSoTimeout(500);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return "+PONG".equals(new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine());
        } catch (IOException e) {
            return false;
        }
    }

    private String log() {
        StringBuilder b = new StringBuilder();
        for (String f : List.of("redis.out", "redis.log"))
            try {
                b.append('\n').append(Files.readString(directory.resolve(f)));
            } catch (IOException e) {
                b.append("\n(no ").append(f).append(')');
            }
        return b.toString();
    }

    /** Kills the server and deletes its directory (and the extracted binary, if it is in there). */
    @Override
    public void close() throws IOException, InterruptedException {
        kill();
        try (var files = Files.walk(directory)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList())
                Files.deleteIfExists(f);
        }
    }
}
