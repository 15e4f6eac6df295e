package io.shardcache.redis;

import io.shardcache.testing.Eventually;
import io.shardcache.testing.TestSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.function.Supplier;

/** Watches PostgreSQL sessions by application name: how a test knows another JVM's query is held at a gate. */
final class PgSessions {

    private PgSessions() {
    }

    /**
     * Waits (at most 10 s) until sessions named {@code application} matching {@code condition}
     * exist, or are gone.
     *
     * @param context appended to the failure message (e.g. a child JVM's stderr)
     */
    static void await(TestSchema schema, String application, String condition, boolean present, Supplier<String> context)
        throws Exception {
        try (Connection c = schema.connect(); PreparedStatement s = c.prepareStatement(
            "select count(*) from pg_stat_activity where application_name = ? and " + condition)) {
            s.setString(1, application);
            Eventually.await((present ? "sessions of " : "no sessions of ") + application + " where " + condition, Duration.ofSeconds(10),
                () -> {
                    try (ResultSet rs = s.executeQuery()) {
                        rs.next();
                        return rs.getInt(1);
                    }
                }, sessions -> (sessions > 0) == present);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + context.get(), e);   // what the other JVM said
        }
    }
}
