package io.shardcache.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A schema asked for in {@code @BeforeAll} belongs to the class: every test and {@code @AfterAll} share it. */
@ExtendWith(ServicesExtension.class)
class ServicesExtensionClassScopeIT {
    private static TestSchema classSchema;

    @BeforeAll
    static void createClassSchema(TestSchema schema) throws SQLException {
        classSchema = schema;
        try (Connection connection = schema.connect()) {
            connection.createStatement().execute("create table visit (test text)");
        }
    }

    @Test
    void firstTestSeesTheClassSchema(TestSchema schema) throws SQLException {
        assertThat(schema).isEqualTo(classSchema);
        record(schema, "first");
    }

    @Test
    void secondTestSeesTheClassSchema(TestSchema schema) throws SQLException {
        assertThat(schema).isEqualTo(classSchema);
        record(schema, "second");
    }

    @AfterAll
    static void classSchemaStillHoldsWhatEveryTestWrote(TestSchema schema) throws SQLException {
        assertThat(schema).isEqualTo(classSchema);
        try (Connection connection = schema.connect();
             ResultSet rows = connection.createStatement().executeQuery("select count(*) from visit")) {
            rows.next();
            assertThat(rows.getInt(1)).isEqualTo(2);
        }
    }

    private static void record(TestSchema schema, String test) throws SQLException {
        try (Connection connection = schema.connect();
             PreparedStatement insert = connection.prepareStatement("insert into visit values (?)")) {
            insert.setString(1, test);
            insert.executeUpdate();
        }
    }
}
