package io.shardcache.sharding.internal;

import static io.shardcache.sharding.internal.RandomAttributes.asJsonbKeepsIt;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardcache.testing.TestServices;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Random attribute maps through PostgreSQL's own parser and printer ({@code select ?::jsonb::text}): what
 * {@link JsonText#write} makes, {@code jsonb} accepts, and what it prints back reads as the same values, to
 * the digit and the scale. Creates nothing on the server.
 */
class JsonbRoundTripIT {

    private static final int MAPS = 1_000;

    static Connection connection;
    static PreparedStatement throughJsonb;

    @BeforeAll
    static void connect() throws SQLException {
        connection = TestServices.postgres().connect();
        throughJsonb = connection.prepareStatement("select ?::jsonb::text");
    }

    @AfterAll
    static void close() throws SQLException {
        if (connection != null)
            connection.close();
    }

    @Test
    void randomAttributesComeBackFromJsonbAsTheContractSays() throws SQLException {
        long seed = RandomAttributes.seed();
        RandomAttributes random = new RandomAttributes(seed);
        for (int i = 0; i < MAPS; i++) {
            Map<String, Object> original = random.attributes();
            String json = JsonText.write(original);
            String kept = throughJsonb(json);
            assertThat(JsonText.readObject(kept))
                .as("seed %d (-Dshardcache.jsonSeed=%d), map %d: we wrote %s, jsonb kept %s", seed, seed, i, json, kept)
                .isEqualTo(asJsonbKeepsIt(original));
        }
    }

    @Test
    void nestingOfExactlyMaxDepthComesBackFromJsonb() throws SQLException {
        Map<String, Object> deepest = RandomAttributes.nested(JsonText.MAX_DEPTH);
        assertThat(JsonText.readObject(throughJsonb(JsonText.write(deepest)))).isEqualTo(asJsonbKeepsIt(deepest));
    }

    private static String throughJsonb(String json) throws SQLException {
        throughJsonb.setString(1, json);
        try (ResultSet rs = throughJsonb.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }
}
