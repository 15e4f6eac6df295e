package io.shardcache.testing;

import io.shardcache.testing.internal.Names;
import io.shardcache.testing.internal.Urls;
import java.util.Objects;

/**
 * A Redis server that tests may use.
 *
 * <p>An immutable value, safe to share. The server is shared with other tests and other builds: a test
 * keeps its keys under a {@link #uniquePrefix(String) unique prefix} and deletes only those; nothing in
 * shardcache's tests may {@code FLUSHALL} or {@code FLUSHDB}.
 *
 * @param source   where the server came from
 * @param host     host name or address (no brackets)
 * @param port     TCP port
 * @param user     ACL user name, {@code ""} for the default user
 * @param password password, {@code ""} when the server needs no {@code AUTH}
 */
public record RedisService(ServiceSource source, String host, int port, String user, String password) {

    public RedisService {
        Objects.requireNonNull(source, "source");
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port " + port + " is outside 1..65535");
        }
        user = user == null ? "" : user;
        password = password == null ? "" : password;
        if (!user.isEmpty() && password.isEmpty()) {
            throw new IllegalArgumentException("Redis user " + user + " has no password; AUTH needs both");
        }
    }

    /** A server that needs no authentication. */
    public RedisService(ServiceSource source, String host, int port) {
        this(source, host, port, "", "");
    }

    /**
     * The Lettuce/Redisson style URI: {@code redis://host:port}, or {@code redis://[user]:password@host:port}
     * when the server needs {@code AUTH}.
     */
    public String uri() {
        String credentials = password.isEmpty() ? "" : Urls.encode(user) + ":" + Urls.encode(password) + "@";
        return "redis://" + credentials + address();
    }

    /** {@code host:port}, for messages; never the password. */
    public String address() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /**
     * A key prefix no other test run will produce: {@code t:<test name>:<random>:}. The test name is
     * reduced to letters, digits, {@code _ . -} and cut to 60 characters; the random part is 48 bits, so
     * concurrent builds sharing one server do not collide.
     */
    public static String uniquePrefix(String testName) {
        return Names.redisPrefix(testName);
    }

    /** Like the record's default, with the password masked. */
    @Override
    public String toString() {
        return "RedisService[source=" + source + ", address=" + address() + ", user=" + user
                + ", password=" + (password.isEmpty() ? "" : "***") + "]";
    }
}
