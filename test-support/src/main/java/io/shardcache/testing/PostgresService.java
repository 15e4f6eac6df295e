package io.shardcache.testing;

import io.shardcache.testing.internal.Urls;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A PostgreSQL server that tests may use, and one database on it.
 *
 * <p>An immutable value: every method builds what it returns from the components, so one instance is
 * safe to share between threads. {@link #dataSource()} and {@link #connect()} open plain, unpooled
 * connections.
 *
 * @param source     where the server came from
 * @param host       host name or address, as a JDBC URL would carry it (no brackets)
 * @param port       TCP port
 * @param database   database name
 * @param user       user name
 * @param password   password, {@code ""} when the server trusts the user
 * @param parameters further pgjdbc connection parameters (for example {@code sslmode}), in URL order;
 *                   never {@code user} or {@code password}, which have their own components
 */
public record PostgresService(ServiceSource source, String host, int port, String database, String user,
                              String password, Map<String, String> parameters) {

    public PostgresService {
        Objects.requireNonNull(source, "source");
        requireText(host, "host");
        requireText(database, "database");
        requireText(user, "user");
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port " + port + " is outside 1..65535");
        }
        password = password == null ? "" : password;
        Map<String, String> copy = new LinkedHashMap<>();
        (parameters == null ? Map.<String, String>of() : parameters).forEach((key, value) -> {
            String lower = requireText(key, "parameter name").toLowerCase(Locale.ROOT);
            if (lower.equals("user") || lower.equals("password")) {
                throw new IllegalArgumentException("parameter " + key + " has its own component; pass it as "
                        + lower + " instead");
            }
            copy.put(key, Objects.requireNonNull(value, () -> "value of parameter " + key));
        });
        parameters = Collections.unmodifiableMap(copy);
    }

    /** A service without extra connection parameters. */
    public PostgresService(ServiceSource source, String host, int port, String database, String user,
                           String password) {
        this(source, host, port, database, user, password, Map.of());
    }

    /**
     * The pgjdbc URL of {@link #database()}, carrying user, password (when not empty) and parameters, so it
     * works on its own with {@code DriverManager} or a pool.
     */
    public String jdbcUrl() {
        StringBuilder url = new StringBuilder("jdbc:postgresql://")
                .append(host.contains(":") ? "[" + host + "]" : host).append(':').append(port)
                .append('/').append(Urls.encode(database))
                .append("?user=").append(Urls.encode(user));
        if (!password.isEmpty()) {
            url.append("&password=").append(Urls.encode(password));
        }
        parameters.forEach((key, value) ->
                url.append('&').append(Urls.encode(key)).append('=').append(Urls.encode(value)));
        return url.toString();
    }

    /**
     * The pgjdbc URL of another database on the same server, with the same credentials. The database is
     * not created; see {@link #withDatabase(String)}.
     */
    public String jdbcUrl(String database) {
        return withDatabase(database).jdbcUrl();
    }

    /** The same server and credentials, pointed at another (existing) database. */
    public PostgresService withDatabase(String database) {
        return new PostgresService(source, host, port, database, user, password, parameters);
    }

    /** The same service with one more pgjdbc connection parameter (replacing an earlier value). */
    public PostgresService withParameter(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(parameters);
        more.put(name, value);
        return new PostgresService(source, host, port, database, user, password, more);
    }

    /** A new pgjdbc {@link PGSimpleDataSource} for {@link #jdbcUrl()}: no pool, one connection per call. */
    public DataSource dataSource() {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(jdbcUrl());
        return dataSource;
    }

    /** Opens a new connection to {@link #database()}; the caller closes it. */
    public Connection connect() throws SQLException {
        return dataSource().getConnection();
    }

    /** {@code host:port/database}, for messages; never the password. */
    public String address() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/" + database;
    }

    /** Like the record's default, with the password masked. */
    @Override
    public String toString() {
        return "PostgresService[source=" + source + ", address=" + address() + ", user=" + user
                + ", password=" + (password.isEmpty() ? "" : "***") + ", parameters=" + parameters + "]";
    }

    private static String requireText(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
        return value;
    }
}
