package io.shardcache.sharding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardcache.testing.PostgresService;
import io.shardcache.testing.ServicesExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(ServicesExtension.class)
class NextIdFunctionIT {
    private static final ShardIdLayout LAYOUT = ShardIdLayout.withEpoch(Instant.parse("2024-01-01T00:00:00Z"));
    private static final int SHARD = 7;

    private PostgresService postgres;
    /** Schemas this test created, dropped after it: never anything else. */
    private final List<String> created = new ArrayList<>();

    @BeforeEach
    void connect(PostgresService postgres) {
        this.postgres = postgres;
    }

    @AfterEach
    void dropCreatedSchemas() throws SQLException {
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            for (String schema : created) {
                s.execute("drop schema if exists \"" + schema + "\" cascade");
            }
        }
    }

    @Test
    void idsFromPostgresDecodeToTheirShardAndNow() throws SQLException {
        String schema = createSchema("sc_ids_%s_%04d".formatted(randomSuffix(), SHARD));
        try (Connection c = postgres.connect()) {
            NextIdFunction.of(LAYOUT).install(c, schema, SHARD);
            // 1000 consecutive nextvals are distinct modulo 1024, so the check below cannot trip on the wrap.
            List<Long> ids = nextIds(c, schema, 1_000);
            Instant now = Instant.now();
            for (int i = 0; i < ids.size(); i++) {
                ShardId decoded = LAYOUT.decode(ids.get(i));
                assertThat(decoded.shard()).isEqualTo(SHARD);
                assertThat(Duration.between(decoded.createdAt(), now).abs()).isLessThan(Duration.ofSeconds(5));
                if (i > 0) {
                    assertThat(ids.get(i)).as("id %d from one session", i).isNotEqualTo(ids.get(i - 1));
                }
            }
            assertThat(ids).doesNotHaveDuplicates();
            System.out.printf("next_id() in %s: first %d = %s, last %d = %s%n", schema, ids.getFirst(),
                    LAYOUT.decode(ids.getFirst()), ids.getLast(), LAYOUT.decode(ids.getLast()));
        }
    }

    @Test
    void installingAgainKeepsTheSequenceAndWorksThroughJooq() throws SQLException {
        String schema = createSchema("sc_ids_%s_%04d".formatted(randomSuffix(), 1));
        NextIdFunction function = NextIdFunction.of(LAYOUT);
        try (Connection c = postgres.connect()) {
            function.install(c, schema, 1);
            long first = nextIds(c, schema, 1).getFirst();
            function.install(DSL.using(c, SQLDialect.POSTGRES), schema, 1);
            long second = nextIds(c, schema, 1).getFirst();
            assertThat(LAYOUT.decode(second).sequence()).isEqualTo((LAYOUT.decode(first).sequence() + 1) % 1024);
            assertThat(LAYOUT.shardOf(second)).isEqualTo(1);
        }
    }

    @Test
    void aMixedCaseSchemaIsQuotedNotFolded() throws SQLException {
        String schema = createSchema("Sc_Ids_%s_%04d".formatted(randomSuffix(), 8191));
        try (Connection c = postgres.connect()) {
            NextIdFunction.of(LAYOUT).install(c, schema, 8191);
            assertThat(LAYOUT.shardOf(nextIds(c, schema, 1).getFirst())).isEqualTo(8191);
        }
    }

    @Test
    void aMissingSchemaFailsInPostgres() throws SQLException {
        String missing = "sc_ids_%s_missing".formatted(randomSuffix());
        try (Connection c = postgres.connect()) {
            assertThatThrownBy(() -> NextIdFunction.of(LAYOUT).install(c, missing, 0))
                    .isInstanceOf(SQLException.class).hasMessageContaining(missing);
        }
    }

    @Test
    void aServerClockBeforeTheEpochRaisesInsteadOfMakingAnId() throws SQLException {
        String schema = createSchema("sc_ids_%s_%04d".formatted(randomSuffix(), 2));
        ShardIdLayout future = ShardIdLayout.withEpoch(Instant.now().plus(Duration.ofDays(365)).truncatedTo(
                java.time.temporal.ChronoUnit.MILLIS));
        try (Connection c = postgres.connect()) {
            NextIdFunction.of(future).install(c, schema, 2);
            assertThatThrownBy(() -> nextIds(c, schema, 1)).isInstanceOf(SQLException.class)
                    .hasMessageContaining("outside the ID range").hasMessageContaining("shard 2");
        }
    }

    private String createSchema(String name) throws SQLException {
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute("create schema \"" + name + "\"");
        }
        created.add(name);
        return name;
    }

    private static List<Long> nextIds(Connection c, String schema, int count) throws SQLException {
        List<Long> ids = new ArrayList<>(count);
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select \"" + schema + "\".next_id() from generate_series(1, " + count
                     + ")")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    private static String randomSuffix() {
        return Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
    }
}
