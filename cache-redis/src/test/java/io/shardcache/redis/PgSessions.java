package io.shardcache.redis;

import io.shardcache.testing.TestSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.concurrent.TimeUnit;
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
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try (Connection c = schema.connect(); PreparedStatement s = c.prepareStatement(
            "select count(*) from pg_stat_activity where application_name = ? and " + condition)) {
            s.setString(1, application);
            while (true) {
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    if ((rs.getInt(1) > 0) == present)
                        return;
                }
                if (System.nanoTime() > deadline)
                    throw new AssertionError("sessions of " + application + " where " + condition
                        + (present ? " never appeared" : " still there") + " after 10 s" + context.get());
                Thread.sleep(20);
            }
        }
    }
}
