package io.shardcache.testing.internal;

import io.shardcache.testing.PostgresService;
import io.shardcache.testing.RedisService;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Cheap checks that a server answers, with short timeouts so that an absent server costs well under a
 * second. Not for use outside shardcache's test-support.
 */
public final class Probes {
    /** How long a TCP connect or a Redis reply may take. */
    static final Duration TIMEOUT = Duration.ofMillis(500);

    private Probes() {
    }

    /** Connects over JDBC and runs {@code select 1}. */
    public static void postgres(PostgresService service) throws SourceUnavailable {
        listening(service.host(), service.port());
        PGSimpleDataSource dataSource = (PGSimpleDataSource) service.dataSource();
        // Seconds: a listening server that does not finish the handshake quickly is not usable either.
        dataSource.setConnectTimeout(2);
        dataSource.setLoginTimeout(3);
        dataSource.setSocketTimeout(5);
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("select 1")) {
            result.next();
        } catch (SQLException e) {
            throw new SourceUnavailable("PostgreSQL on " + service.address() + " refused user " + service.user()
                    + (service.password().isEmpty() ? " without a password" : "") + ": " + e.getMessage()
                    + " (SQLState " + e.getSQLState() + ")");
        }
    }

    /** Sends {@code AUTH} when the service has a password, then {@code PING}, and expects {@code +PONG}. */
    public static void redis(RedisService service) throws SourceUnavailable {
        listening(service.host(), service.port());
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(service.host(), service.port()), (int) TIMEOUT.toMillis());
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            if (!service.password().isEmpty()) {
                String reply = command(out, in, service.user().isEmpty()
                        ? new String[] {"AUTH", service.password()}
                        : new String[] {"AUTH", service.user(), service.password()});
                if (!reply.equals("+OK")) {
                    throw new SourceUnavailable("Redis on " + service.address() + " refused AUTH: " + reply);
                }
            }
            String reply = command(out, in, "PING");
            if (reply.startsWith("-NOAUTH")) {
                throw new SourceUnavailable("Redis on " + service.address() + " needs a password (" + reply
                        + "); give one as " + Settings.REDIS_URL + "=redis://:password@" + service.address());
            }
            if (!reply.equals("+PONG")) {
                throw new SourceUnavailable("something on " + service.address() + " answered PING with "
                        + reply + " instead of +PONG");
            }
        } catch (IOException e) {
            throw new SourceUnavailable("Redis on " + service.address() + " did not answer PING within "
                    + TIMEOUT.toMillis() + " ms: " + e, e);
        }
    }

    /** Fails fast, and with a plain message, when nothing listens. */
    static void listening(String host, int port) throws SourceUnavailable {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) TIMEOUT.toMillis());
        } catch (IOException e) {
            throw new SourceUnavailable("nothing answers on " + host + ":" + port + " (" + e.getMessage() + ")");
        }
    }

    /** Writes a RESP array of bulk strings and reads one reply line. */
    static String command(OutputStream out, InputStream in, String... arguments) throws IOException {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(("*" + arguments.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (String argument : arguments) {
            byte[] bytes = argument.getBytes(StandardCharsets.UTF_8);
            request.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            request.writeBytes(bytes);
            request.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.write(request.toByteArray());
        out.flush();
        return readLine(in);
    }

    /** Reads up to CRLF; a reply line longer than 1 KiB is not one of the short replies expected here. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        for (int next = in.read(); next != -1; next = in.read()) {
            if (previous == '\r' && next == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
            }
            if (line.size() > 1024) {
                throw new IOException("reply line longer than 1 KiB");
            }
            line.write(next);
            previous = next;
        }
        throw new IOException("connection closed before a reply");
    }
}
