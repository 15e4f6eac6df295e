package io.shardcache.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(ServicesExtension.class)
class ServicesExtensionIT {
    private static final List<String> SCHEMAS = new CopyOnWriteArrayList<>();

    private TestSchema schemaSeenByBeforeEach;

    @BeforeEach
    void rememberSchema(TestSchema schema) {
        schemaSeenByBeforeEach = schema;
    }

    @Test
    void schemaExistsDuringTheTestAndIsSharedWithBeforeEach(TestSchema schema, PostgresService postgres)
            throws SQLException {
        SCHEMAS.add(schema.name());
        assertThat(schema).isEqualTo(schemaSeenByBeforeEach);
        assertThat(schema.name()).startsWith("t_servicesextensionit_");
        assertThat(schema.postgres()).isEqualTo(postgres);
        assertThat(schemaExists(postgres, schema.name())).isTrue();

        try (Connection connection = schema.connect(); Statement statement = connection.createStatement()) {
            statement.execute("create table note (id int primary key, body text)");
            statement.execute("insert into note values (1, 'kept in the test schema')");
        }
        try (Connection connection = postgres.connect();
             PreparedStatement query = connection.prepareStatement(
                     "select count(*) from information_schema.tables where table_schema = ? and table_name = 'note'")) {
            query.setString(1, schema.name());
            try (ResultSet result = query.executeQuery()) {
                result.next();
                assertThat(result.getInt(1)).isEqualTo(1);
            }
        }
    }

    @Test
    void eachTestGetsItsOwnSchema(TestSchema schema) {
        SCHEMAS.add(schema.name());
        assertThat(schema).isEqualTo(schemaSeenByBeforeEach);
    }

    @Test
    void redisIsResolvedAndUsedUnderAUniquePrefix(RedisService redis, TestInfo test) throws Exception {
        String key = RedisService.uniquePrefix(test.getDisplayName()) + "counter";
        try (Resp client = new Resp(redis)) {
            assertThat(client.call("INCR", key)).isEqualTo(":1");
            assertThat(client.call("INCR", key)).isEqualTo(":2");
            assertThat(client.call("DEL", key)).isEqualTo(":1");
        }
    }

    @AfterAll
    static void everySchemaIsDroppedAfterItsTest(PostgresService postgres) throws SQLException {
        assertThat(SCHEMAS).hasSize(2).doesNotHaveDuplicates();
        for (String name : SCHEMAS) {
            assertThat(schemaExists(postgres, name)).as("schema %s after its test", name).isFalse();
        }
    }

    private static boolean schemaExists(PostgresService postgres, String name) throws SQLException {
        try (Connection connection = postgres.connect();
             PreparedStatement query = connection.prepareStatement(
                     "select count(*) from information_schema.schemata where schema_name = ?")) {
            query.setString(1, name);
            try (ResultSet result = query.executeQuery()) {
                result.next();
                return result.getInt(1) == 1;
            }
        }
    }
}
