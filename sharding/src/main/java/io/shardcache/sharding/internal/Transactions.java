package io.shardcache.sharding.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** Plain-JDBC transactions for shard DDL and set-up scripts. */
public final class Transactions {

    private Transactions() {
    }

    /**
     * Runs {@code sql} (one or several statements, sent as is) in one transaction on {@code c}: all of
     * it commits or none does; the connection's auto-commit mode is restored either way.
     */
    public static void runInTransaction(Connection c, String sql) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute(sql);
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }
}
