package io.shardcache.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP relay on 127.0.0.1 to a server, which holds everything the server sends for a fixed delay before passing
 * it on: the server as if it were that far away (another zone, another region). Each connection has a virtual
 * thread per direction. For the tour only: no TLS, no limits.
 */
final class DelayedLink implements AutoCloseable {

    private final ServerSocket listener;
    private final String host;
    private final int port;
    private final long delayNanos;

    private DelayedLink(String host, int port, Duration delay) throws IOException {
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.host = host;
        this.port = port;
        this.delayNanos = delay.toNanos();
        Thread.ofVirtual().name("delayed-link-" + listener.getLocalPort()).start(this::accept);
    }

    /** Starts relaying to {@code host:port}, delaying its replies by {@code delay}. */
    static DelayedLink to(String host, int port, Duration delay) throws IOException {
        return new DelayedLink(host, port, delay);
    }

    /** The local port clients connect to instead of the server's. */
    int port() {
        return listener.getLocalPort();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(host, port);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                Thread.ofVirtual().start(() -> pump(client, server, 0));
                Thread.ofVirtual().start(() -> pump(server, client, delayNanos));
            } catch (IOException e) {
                if (!listener.isClosed())
                    throw new UncheckedIOException(e);
            }
        }
    }

    /** Copies {@code from} to {@code to}, each chunk {@code delay} after it arrived; closes both at the end. */
    private static void pump(Socket from, Socket to, long delay) {
        byte[] buffer = new byte[64 * 1024];
        try (from; to; InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                long due = System.nanoTime() + delay;
                for (long left = due - System.nanoTime(); left > 0; left = due - System.nanoTime())
                    LockSupport.parkNanos(left);
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException closed) {
            // one side hung up: the try closes both
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
