package io.shardcache.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A minimal RESP client for the ITs, so they check Redis without trusting test-support's own probe. */
final class Resp implements AutoCloseable {
    private final Socket socket;

    Resp(RedisService redis) throws IOException {
        socket = new Socket(redis.host(), redis.port());
        socket.setSoTimeout(5_000);
    }

    /** Sends a command and returns the reply: status and error lines as is, bulk strings as text or null. */
    String call(String... arguments) throws IOException {
        StringBuilder request = new StringBuilder("*").append(arguments.length).append("\r\n");
        for (String argument : arguments) {
            request.append('$').append(argument.getBytes(StandardCharsets.UTF_8).length).append("\r\n")
                    .append(argument).append("\r\n");
        }
        socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.UTF_8));
        InputStream in = socket.getInputStream();
        String line = readLine(in);
        if (!line.startsWith("$")) {
            return line;
        }
        int length = Integer.parseInt(line.substring(1));
        if (length < 0) {
            return null;
        }
        String value = new String(in.readNBytes(length), StandardCharsets.UTF_8);
        readLine(in);
        return value;
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b == -1) {
                throw new IOException("connection closed");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
