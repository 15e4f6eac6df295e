package io.shardcache.query.internal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.WeakHashMap;
import org.jooq.ConnectionProvider;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;

/**
 * Everything about a connection's session that can change an answer without changing the SQL: the
 * database (and the cluster it belongs to, so a physical replica shares entries with its primary and
 * two clusters never do), the role, {@code search_path} for unqualified names, and the settings that
 * shape output or parsing ({@code TimeZone}, {@code DateStyle}, {@code IntervalStyle},
 * {@code extra_float_digits}, {@code bytea_output}, the {@code lc_*} locales, ...). Their values are
 * part of every cache key of a caching DSL, so sessions that would answer differently never share
 * an entry.
 *
 * <h2>When they are read</h2>
 * Once per connection provider, from a connection borrowed for that moment, the first time a key is
 * needed: a pool hands out connections set up alike, and a cache hit takes no connection at all.
 * Then, on every load from the database (and on every read of a single connection, which may be the
 * caller's own), the connection in hand is checked against that snapshot: the settings the server
 * reports to the driver on every change (time zone, date and interval style, session authorization,
 * encoding) are compared for free; after a statement that may change the session ({@code SET},
 * {@code RESET}, {@code DISCARD}, {@code set_config}) went through a caching DSL on that connection,
 * the snapshot query runs again on it. A connection whose session differs is never cached from:
 * its reads pass through to the database.
 *
 * <p>Not seen: a session changed on the raw connection, outside any caching DSL, in a setting the
 * server does not report ({@code search_path}, {@code SET ROLE}, the locales): keep pooled sessions
 * alike, as a pool's users must anyway.
 *
 * <p>Thread-safe.
 */
public final class SessionInputs {

    /** One row of text: each input by name, then the cluster's identity if the role may read it. */
    private static final String QUERY = """
        select current_database(), current_user, session_user, current_setting('search_path'),
          current_setting('TimeZone'), current_setting('DateStyle'), current_setting('IntervalStyle'),
          current_setting('extra_float_digits'), current_setting('bytea_output'), current_setting('lc_monetary'),
          current_setting('lc_numeric'), current_setting('lc_time'), current_setting('standard_conforming_strings'),
          current_setting('default_text_search_config'), current_setting('xmloption'),
          current_setting('timezone_abbreviations'), current_setting('row_security'), current_setting('client_encoding'),
          case when has_function_privilege('pg_control_system()', 'execute')
               then (select system_identifier::text from pg_control_system()) else '' end""";

    private static final String[] NAMES = {"database", "current_user", "session_user", "search_path", "TimeZone", "DateStyle",
        "IntervalStyle", "extra_float_digits", "bytea_output", "lc_monetary", "lc_numeric", "lc_time",
        "standard_conforming_strings", "default_text_search_config", "xmloption", "timezone_abbreviations", "row_security",
        "client_encoding", "system_identifier"};

    /** Settings the server reports to the driver whenever they change: comparable without a round trip. */
    private static final String[] REPORTED = {"TimeZone", "DateStyle", "IntervalStyle", "session_authorization",
        "standard_conforming_strings", "client_encoding", "is_superuser"};

    /** Physical connections on which a statement that may change the session ran through a caching DSL. */
    private static final Set<Connection> CHANGED = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    private final ConnectionProvider connections;
    private volatile @Nullable Snapshot snapshot;

    SessionInputs(ConnectionProvider connections) {
        this.connections = connections;
    }

    /**
     * The inputs as read on one connection.
     *
     * @param material every input as {@code name=value} lines: part of the key
     * @param reported what the driver was told of the reported settings, when the driver is pgjdbc
     */
    record Snapshot(String material, @Nullable Map<String, String> reported) {
    }

    /** The snapshot every key of this provider's connections names; the first call reads it. */
    Snapshot snapshot() throws SQLException {
        Snapshot s = snapshot;
        if (s != null)
            return s;
        Connection c = Objects.requireNonNull(connections.acquire(), "the user's ConnectionProvider returned no connection");
        try {
            snapshot = s = read(c);
            return s;
        } finally {
            connections.release(c);
        }
    }

    static Snapshot read(Connection c) throws SQLException {
        StringBuilder material = new StringBuilder();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(QUERY)) {
            if (!rs.next())
                throw new SQLException("shardcache: the session query returned no row");
            for (int i = 0; i < NAMES.length; i++)
                material.append(NAMES[i]).append('=').append(rs.getString(i + 1)).append('\n');
        }
        return new Snapshot(material.toString(), reported(c));
    }

    private static @Nullable Map<String, String> reported(Connection c) throws SQLException {
        if (!c.isWrapperFor(PGConnection.class))
            return null;
        Map<String, String> all = c.unwrap(PGConnection.class).getParameterStatuses();
        Map<String, String> kept = new TreeMap<>();
        for (String name : REPORTED) {
            String v = all.get(name);
            if (v != null)
                kept.put(name, v);
        }
        return kept;
    }

    /**
     * Whether {@code c}'s session is the snapshot's: free unless a statement that may change the
     * session ran on it through a caching DSL since it was last checked (one round trip then).
     */
    boolean matches(Connection c) throws SQLException {
        Snapshot s = snapshot();
        Connection physical = physical(c);
        if (CHANGED.contains(physical)) {
            if (!read(c).equals(s))
                return false;
            CHANGED.remove(physical);
            return true;
        }
        return s.reported() == null || s.reported().equals(reported(c));
    }

    /** Notes that a statement about to run on {@code c} may change its session. */
    static void changing(Connection c) throws SQLException {
        CHANGED.add(physical(c));
    }

    /** A session statement ({@link #isSessionStatement}), or anything calling {@code set_config}. */
    static boolean mayChangeSession(String sql) {
        return isSessionStatement(sql) || containsIgnoreCase(sql, "set_config");
    }

    /** {@code SET}, {@code RESET} or {@code DISCARD} (after any comments): changes the session, writes no table. */
    static boolean isSessionStatement(String sql) {
        int i = firstWord(sql);
        return startsWithWord(sql, i, "set") || startsWithWord(sql, i, "reset") || startsWithWord(sql, i, "discard");
    }

    /** Where the first word starts: after whitespace, {@code --} line comments and (nested) block comments. */
    private static int firstWord(String sql) {
        int i = 0, n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (sql.startsWith("--", i)) {
                int eol = sql.indexOf('\n', i);
                i = eol < 0 ? n : eol + 1;
            } else if (sql.startsWith("/*", i)) {
                int depth = 0;
                while (i < n) {
                    if (sql.startsWith("/*", i)) {
                        depth++;
                        i += 2;
                    } else if (sql.startsWith("*/", i)) {
                        i += 2;
                        if (--depth == 0)
                            break;
                    } else {
                        i++;
                    }
                }
            } else {
                break;
            }
        }
        return i;
    }

    private static boolean startsWithWord(String sql, int at, String word) {
        int end = at + word.length();
        return sql.regionMatches(true, at, word, 0, word.length())
            && (end == sql.length() || (!Character.isLetterOrDigit(sql.charAt(end)) && sql.charAt(end) != '_'));
    }

    private static boolean containsIgnoreCase(String s, String part) {
        for (int i = 0; i + part.length() <= s.length(); i++)
            if (s.regionMatches(true, i, part, 0, part.length()))
                return true;
        return false;
    }

    /** The driver's own connection under pools and shardcache's wrappers: the session's identity. */
    private static Connection physical(Connection c) throws SQLException {
        return c.isWrapperFor(PGConnection.class) ? (Connection) c.unwrap(PGConnection.class) : c;
    }
}
