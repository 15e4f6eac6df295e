package io.shardcache.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * A PostgreSQL schema that exists for one test only, handed out by {@link ServicesExtension}: created
 * before the test with a unique name ({@code t_<test class>_<random>}), dropped with {@code CASCADE}
 * after it. An immutable value, safe to share.
 *
 * @param name     the schema's name: lower case, a valid unquoted identifier, at most 63 characters
 * @param postgres the server and database the schema lives in
 */
public record TestSchema(String name, PostgresService postgres) {

    public TestSchema {
        Objects.requireNonNull(postgres, "postgres");
        if (name == null || !name.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("schema name " + name + " is not a lower-case identifier");
        }
    }

    /** The JDBC URL of the database with {@code currentSchema} set, so unqualified names resolve here. */
    public String jdbcUrl() {
        return scoped().jdbcUrl();
    }

    /** A new unpooled data source whose connections resolve unqualified names in this schema. */
    public DataSource dataSource() {
        return scoped().dataSource();
    }

    /** Opens a new connection whose {@code search_path} is this schema; the caller closes it. */
    public Connection connect() throws SQLException {
        return scoped().connect();
    }

    /** {@code "name".table}, for SQL written by hand. */
    public String qualify(String table) {
        return "\"" + name + "\"." + table;
    }

    /** Creates the schema; the extension calls this before the test. */
    TestSchema create() throws SQLException {
        execute("create schema \"" + name + "\"");
        return this;
    }

    /** Drops the schema and everything in it; the extension calls this after the test. */
    void drop() throws SQLException {
        execute("drop schema if exists \"" + name + "\" cascade");
    }

    private void execute(String sql) throws SQLException {
        try (Connection connection = postgres.connect(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private PostgresService scoped() {
        return postgres.withParameter("currentSchema", name);
    }
}
