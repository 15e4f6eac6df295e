package io.shardcache.query.internal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jooq.ConnectionProvider;
import org.jspecify.annotations.Nullable;

/**
 * The server's identity (product, version, driver), read once and then answered without a
 * connection.
 *
 * <p>Why: jOOQ asks {@code connection.getMetaData()} for the server version on the first executions
 * in a JVM. On a {@link CachingConnection} that would take a pooled connection for a cache hit, and
 * keep it while the caller waits for another caller's regeneration; a cold-start stampede of N
 * callers then holds N pooled connections while the one regenerating caller waits for a connection
 * of its own: a pool deadlock until the pool's timeout. So the snapshot is taken on a connection
 * borrowed only for that moment, and every other metadata call (rare) goes to the real connection.
 *
 * <p>Thread-safe; concurrent first callers may each take the snapshot once, which is harmless.
 */
public final class ServerMetaData {

    private static final Set<String> SNAPSHOT = Set.of(
        "getDatabaseProductName", "getDatabaseProductVersion", "getDatabaseMajorVersion", "getDatabaseMinorVersion",
        "getDriverName", "getDriverVersion", "getDriverMajorVersion", "getDriverMinorVersion",
        "getJDBCMajorVersion", "getJDBCMinorVersion", "getURL", "getUserName", "getIdentifierQuoteString");

    private final ConnectionProvider connections;
    private volatile @Nullable Map<String, @Nullable Object> values;

    ServerMetaData(ConnectionProvider connections) {
        this.connections = connections;
    }

    /** Metadata for {@code owner}: identity from the snapshot, anything else from its real connection. */
    DatabaseMetaData of(CachingConnection owner) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getParameterCount() == 0 && SNAPSHOT.contains(method.getName()))
                return snapshot().get(method.getName());
            if (method.getName().equals("getConnection") && method.getParameterCount() == 0)
                return owner;
            try {
                return method.invoke(owner.getDelegate().getMetaData(), args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (DatabaseMetaData) Proxy.newProxyInstance(DatabaseMetaData.class.getClassLoader(),
            new Class<?>[] {DatabaseMetaData.class}, handler);
    }

    private Map<String, @Nullable Object> snapshot() throws SQLException, ReflectiveOperationException {
        Map<String, @Nullable Object> v = values;
        if (v != null)
            return v;
        Connection c = connections.acquire();
        try {
            DatabaseMetaData meta = Objects.requireNonNull(c, "the user's ConnectionProvider returned no connection").getMetaData();
            Map<String, @Nullable Object> read = new HashMap<>();
            for (String name : SNAPSHOT)   // JDBC allows null for some (getURL, getUserName): kept as null
                read.put(name, DatabaseMetaData.class.getMethod(name).invoke(meta));
            values = v = Collections.unmodifiableMap(read);
            return v;
        } finally {
            connections.release(c);
        }
    }
}
