package io.shardcache.redis;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP forwarder on a fixed loopback port that a test can start and stop: Redis "comes up" and
 * "goes down" for the clients connected through it, while the real server (shared with other
 * tests) keeps running. Stopping closes the listening socket and every forwarded connection;
 * pausing keeps the connections open but holds every byte back, as a stalled server would.
 */
final class TcpProxy implements AutoCloseable {

    private final int port;
    private final String targetHost;
    private final int targetPort;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private ServerSocket server;
    private final Object pause = new Object();
    private boolean paused;   // guarded by pause

    TcpProxy(int port, String targetHost, int targetPort) {
        this.port = port;
        this.targetHost = targetHost;
        this.targetPort = targetPort;
    }

    /** A loopback port that nothing listens on right now. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    int port() {
        return port;
    }

    synchronized void start() throws IOException {
        if (server != null)
            return;
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
        server = s;
        Thread.ofVirtual().name("proxy-accept-" + port).start(() -> {
            while (!s.isClosed()) {
                try {
                    Socket in = s.accept();
                    Socket out = new Socket(targetHost, targetPort);
                    in.setTcpNoDelay(true);
                    out.setTcpNoDelay(true);
                    open.add(in);
                    open.add(out);
                    pipe(in, out);
                    pipe(out, in);
                } catch (IOException closed) {
                    // stop() closed the listener, or the target refused: the client sees a closed socket
                }
            }
        });
    }

    private void pipe(Socket from, Socket to) {
        Thread.ofVirtual().start(() -> {
            try {
                byte[] buffer = new byte[8192];
                int n;
                while ((n = from.getInputStream().read(buffer)) >= 0) {
                    awaitResumed();
                    to.getOutputStream().write(buffer, 0, n);
                }
            } catch (IOException | InterruptedException ignored) {
                // one side closed
            } finally {
                close(from);
                close(to);
            }
        });
    }

    /** Holds back every byte in both directions until {@link #resume()}; connections stay open. */
    void pause() {
        synchronized (pause) {
            paused = true;
        }
    }

    void resume() {
        synchronized (pause) {
            paused = false;
            pause.notifyAll();
        }
    }

    private void awaitResumed() throws InterruptedException {
        synchronized (pause) {
            while (paused)
                pause.wait();
        }
    }

    synchronized void stop() {
        if (server != null) {
            close(server);
            server = null;
        }
        for (Socket s : open)
            close(s);
        open.clear();
    }

    @Override
    public void close() {
        stop();
    }

    private void close(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // already closed
        }
        if (c instanceof Socket s)
            open.remove(s);
    }
}
