package io.shardcache.sharding.internal;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.jspecify.annotations.Nullable;

/** Telling "the server did not give us a connection" apart from "the query failed". */
public final class ConnectionErrors {
    private ConnectionErrors() {
    }

    /**
     * Whether {@code e}, or an exception it wraps, is a connection failure: SQLState class {@code 08}
     * (connection exception), or HikariCP's {@link SQLTransientConnectionException}, which a pool whose
     * server is down throws after {@code connectionTimeout}, often without a SQLState of its own.
     */
    public static boolean isConnectionError(Throwable e) {
        for (Throwable t = e; t != null; t = causeOf(t)) {
            if (t instanceof SQLTransientConnectionException)
                return true;
            if (t instanceof SQLException s && s.getSQLState() != null && s.getSQLState().startsWith("08"))
                return true;
        }
        return false;
    }

    /**
     * {@code e}'s message followed by the messages of its causes that add something: jOOQ's "Error getting
     * connection from data source" says nothing without HikariCP's "request timed out after 251ms (total=0,
     * active=0, idle=0, waiting=0)" underneath it.
     */
    public static String describe(Throwable e) {
        StringBuilder out = new StringBuilder(String.valueOf(e));
        String last = e.getMessage();
        int depth = 0;
        for (Throwable t = e.getCause(); t != null && depth < 4; t = causeOf(t), depth++) {
            String m = t.getMessage();
            if (m != null && (last == null || !last.contains(m)))
                out.append("; caused by ").append(m);
            last = m;
        }
        return out.toString();
    }

    /**
     * {@code t}'s cause, or null if it names itself: Throwable's own getCause hides a self-cause, an
     * override may not, and then walking the causes would never end.
     */
    @SuppressWarnings("ReferenceEquality")   // this very object: see above
    private static @Nullable Throwable causeOf(Throwable t) {
        Throwable cause = t.getCause();
        return cause == t ? null : cause;
    }
}
