package io.shardcache.testing.internal;

import io.shardcache.testing.EmbeddedRedisServer;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.ServiceSource;
import io.shardcache.testing.TestServicesException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

/**
 * Starts and stops a Redis server from the binary in codemonstur's embedded-redis jar.
 *
 * <p>Redis runs fine as root, so unlike {@link LocalPostgres} nothing changes user. The server never saves
 * snapshots (the library would otherwise leave {@code dump.rdb} files behind), and its output is drained
 * into a small ring buffer: an undrained pipe would block the server once full, and the last lines explain
 * a failure. Not for use outside shardcache's test-support.
 */
public final class LocalRedis implements EmbeddedRedisServer {
    private static final System.Logger LOG = System.getLogger("io.shardcache.testing");
    private static final int BIND_ATTEMPTS = 3;
    private static final int OUTPUT_LINES = 40;

    private final RedisServer server;
    private final Path directory;
    private final RedisService service;
    private final ShutdownHook shutdownHook;

    private LocalRedis(RedisServer server, Path directory, int port) {
        this.server = server;
        this.directory = directory;
        this.service = new RedisService(ServiceSource.EMBEDDED, "127.0.0.1", port);
        this.shutdownHook = new ShutdownHook("shardcache-embedded-redis-" + port, this::closeQuietly);
    }

    /** Starts a server on a free port of 127.0.0.1; retries with another port if that one was taken. */
    public static LocalRedis start() throws IOException {
        Path directory = Files.createTempDirectory("shardcache-redis-");
        try {
            for (int attempt = 1; ; attempt++) {
                int port = freePort();
                Deque<String> output = new ArrayDeque<>();
                RedisServer server = RedisServer.newRedisServer()
                        .executableProvider(ExecutableProvider.newJarResourceProvider(directory.toFile()))
                        .bind("127.0.0.1")
                        .port(port)
                        .setting("save \"\"")
                        .setting("appendonly no")
                        .setting("dir \"" + directory + "\"")
                        .soutListener(line -> remember(output, line))
                        .serrListener(line -> remember(output, line))
                        .build();
                try {
                    server.start();
                    return new LocalRedis(server, directory, port);
                } catch (IOException e) {
                    String lines = snapshot(output);
                    if (attempt < BIND_ATTEMPTS && lines.contains("Address already in use")) {
                        continue;
                    }
                    throw new IOException("embedded Redis did not start on port " + port + ": " + e.getMessage()
                            + (lines.isEmpty() ? "" : "\nlast output:\n" + lines), e);
                }
            }
        } catch (IOException | RuntimeException e) {
            FileTrees.delete(directory);
            throw e;
        }
    }

    @Override
    public RedisService service() {
        return service;
    }

    @Override
    public void close() {
        if (!shutdownHook.close()) {
            return;
        }
        try {
            // SIGTERM, then waits for the process to exit.
            server.stop();
        } catch (IOException e) {
            throw new TestServicesException("embedded Redis on " + service.address() + " did not stop: "
                    + e.getMessage(), e);
        } finally {
            try {
                FileTrees.delete(directory);
            } catch (IOException | UncheckedIOException e) {
                LOG.log(System.Logger.Level.WARNING, "could not delete " + directory + ": " + e);
            }
        }
    }

    @Override
    public String toString() {
        return "embedded Redis " + service.address();
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, e.getMessage());
        }
    }

    private static void remember(Deque<String> output, String line) {
        synchronized (output) {
            if (output.size() == OUTPUT_LINES) {
                output.removeFirst();
            }
            output.addLast(line);
        }
    }

    private static String snapshot(Deque<String> output) {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
