package io.shardcache.sharding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.sql.DataSource;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Flyway on two databases x 16 logical shards (8 each). Each test has its own databases. The scripts are in
 * {@code shardcache-it/shard-migrations}: V1 creates a table whose defaults come from the per-shard
 * placeholders, V2 adds a column and then fails on the shard named by {@code ${fail_on_shard}}.
 */
class ShardMigrationsIT {

    private static final String LOCATION = "classpath:shardcache-it/shard-migrations";
    private static final String NO_FAILURE = "-1";

    private TestDatabases dbs;
    private String a;
    private String b;
    private Sharding sharding;

    @BeforeEach
    void createShards() throws Exception {
        dbs = new TestDatabases();
        a = dbs.create("a");
        b = dbs.create("b");
        ShardMap map = dbs.sixteenShards(a, b).schemaPattern("shard_%04d")
            .build();
        sharding = Sharding.create(map, Routers.jumpHash());
        sharding.createShards("create schema %{name}");
    }

    @AfterEach
    void dropDatabases() throws Exception {
        TestDatabases.close(sharding, dbs);
    }

    @Test
    void everyShardIsMigratedOnItsOwnServerAndASecondRunAppliesNothing() throws Exception {
        Queue<String> events = new ConcurrentLinkedQueue<>();
        MigrationReport report = migrations(NO_FAILURE, MigrationPolicy.FAIL_FAST, recording(events)).migrateAll();

        assertThat(report.isComplete()).isTrue();
        assertThat(report.migrated()).hasSize(16).allSatisfy(m -> {
            assertThat(m.applied()).isEqualTo(2);
            assertThat(m.fromVersion()).isNull();
            assertThat(m.toVersion()).isEqualTo("2");
            assertThat(m.server()).isEqualTo(m.shard() < 8 ? "db1" : "db2");
        });
        assertThat(report.versions()).containsExactly("2");
        assertThat(report.appliedCount()).isEqualTo(32);
        assertThat(events).filteredOn(e -> e.startsWith("started")).hasSize(16);
        assertThat(events).filteredOn(e -> e.startsWith("migrated")).hasSize(16)
            .contains("migrated 0 2 2", "migrated 7 2 2", "migrated 15 2 2");

        // Plain JDBC: each shard's own history table, on its own database, and the placeholders per shard.
        for (int shard : new int[] {0, 7, 8, 15}) {
            String db = shard < 8 ? a : b;
            String schema = sharding.schemaOf(shard);
            assertThat(history(db, schema)).as("history of shard %d", shard).containsExactly("1:1:t", "2:2:t");
            assertThat(dbs.query(db, "insert into \"" + schema + "\".items (id) values (1)"
                + " returning concat_ws(',', shard, schema_name, server)"))
                .containsExactly(shard + "," + schema + "," + (shard < 8 ? "db1" : "db2"));
        }
        String histories = "select count(*) from information_schema.tables where table_name = 'flyway_schema_history'";
        assertThat(dbs.query(a, histories)).containsExactly("8");
        assertThat(dbs.query(b, histories)).containsExactly("8");

        MigrationReport again = migrations(NO_FAILURE, MigrationPolicy.FAIL_FAST, MigrationListener.NONE).migrateAll();
        assertThat(again.appliedCount()).isZero();
        assertThat(again.migrated()).hasSize(16).allSatisfy(m -> {
            assertThat(m.fromVersion()).isEqualTo("2");
            assertThat(m.toVersion()).isEqualTo("2");
        });
        assertThat(history(b, "shard_0012")).containsExactly("1:1:t", "2:2:t");

        // Flyway set search_path on the shared pool's connections; none may keep it.
        assertThat(searchPaths(sharding.dataSource("db1"), 4)).containsOnly("\"$user\", public");
        assertThat(searchPaths(sharding.dataSource("db2"), 4)).containsOnly("\"$user\", public");
    }

    @Test
    void aMigrationBrokenOnOneShardFailsOnlyThatShardAndAFixedRunResumesIt() throws Exception {
        Queue<String> events = new ConcurrentLinkedQueue<>();
        ShardMigrationException e = catchThrowableOfType(ShardMigrationException.class,
            () -> migrations("7", MigrationPolicy.CONTINUE, recording(events)).migrateAll());

        assertThat(e.shard()).hasValue(7);
        assertThat(e.server()).hasValue("db1");
        assertThat(e.getMessage()).contains("15 of 16 logical shards are at the latest version, 1 failed")
            .contains("migrations failed on logical shard 7 (schema shard_0007 on physical server db1)")
            .contains("V2 refuses logical shard 7")
            .contains("run migrateAll() again");
        MigrationReport report = e.report();
        assertThat(report.failures()).extracting(ShardMigration::shard).containsExactly(7);
        assertThat(report.notRun()).isEmpty();
        assertThat(report.migrated()).hasSize(15).allSatisfy(m -> assertThat(m.toVersion()).isEqualTo("2"));
        assertThat(events).contains("failed 7").doesNotContain("migrated 7 2 2");

        // V1 stayed on shard 7, V2's column was rolled back with it, and only V1 is recorded.
        assertThat(history(a, "shard_0007")).containsExactly("1:1:t");
        assertThat(columns(a, "shard_0007")).doesNotContain("note");
        assertThat(columns(a, "shard_0006")).contains("note");
        Map<Integer, List<String>> before = installedOn();

        MigrationReport fixed = migrations(NO_FAILURE, MigrationPolicy.CONTINUE, MigrationListener.NONE).migrateAll();

        assertThat(fixed.isComplete()).isTrue();
        assertThat(fixed.appliedCount()).isEqualTo(1);
        assertThat(fixed.shards().get(7)).isInstanceOfSatisfying(ShardMigration.Migrated.class, m -> {
            assertThat(m.applied()).isEqualTo(1);
            assertThat(m.fromVersion()).isEqualTo("1");
            assertThat(m.toVersion()).isEqualTo("2");
        });
        assertThat(fixed.versions()).containsExactly("2");
        assertThat(history(a, "shard_0007")).containsExactly("1:1:t", "2:2:t");
        assertThat(columns(a, "shard_0007")).contains("note");
        Map<Integer, List<String>> after = installedOn();
        for (int shard = 0; shard < 16; shard++) {
            assertThat(after.get(shard)).as("installed_on of shard %d", shard).hasSize(2);
            if (shard != 7)
                assertThat(after.get(shard)).as("shard %d was not migrated again", shard).isEqualTo(before.get(shard));
        }
    }

    @Test
    void failFastStartsNoFurtherShardAndTheNextRunCompletesTheRest() throws Exception {
        Queue<String> events = new ConcurrentLinkedQueue<>();
        assertThatThrownBy(() -> migrations("2", MigrationPolicy.FAIL_FAST, recording(events)).migrateAll())
            .isInstanceOfSatisfying(ShardMigrationException.class, e -> {
                MigrationReport r = e.report();
                // One shard at a time per server, in order: db1 stops right after shard 2.
                assertThat(r.shards().subList(0, 2)).allMatch(s -> s instanceof ShardMigration.Migrated);
                assertThat(r.shards().get(2)).isInstanceOf(ShardMigration.Failed.class);
                assertThat(r.shards().subList(3, 8)).allMatch(s -> s instanceof ShardMigration.NotRun);
                // db2 ran in parallel: each of its shards either finished or was never started.
                assertThat(r.shards().subList(8, 16)).allMatch(s -> !(s instanceof ShardMigration.Failed));
                assertThat(e.getMessage()).contains("not run (FAIL_FAST)").contains("logical shard 2 (schema shard_0002");
            });
        assertThat(events).contains("failed 2", "notRun 3", "notRun 7").doesNotContain("started 3");
        assertThat(dbs.query(a, "select count(*) from information_schema.tables where table_schema = 'shard_0003'"))
            .containsExactly("0");

        MigrationReport fixed = migrations(NO_FAILURE, MigrationPolicy.FAIL_FAST, MigrationListener.NONE).migrateAll();
        assertThat(fixed.isComplete()).isTrue();
        assertThat(fixed.migrated()).extracting(ShardMigration.Migrated::applied).startsWith(0, 0, 1, 2, 2, 2, 2, 2);
        for (int shard = 0; shard < 16; shard++)
            assertThat(history(shard < 8 ? a : b, sharding.schemaOf(shard))).containsExactly("1:1:t", "2:2:t");
    }

    @Test
    void aMissingLocationFailsInsteadOfReportingShardsUpToDate() {
        ShardMigrations m = ShardMigrations.builder(sharding).locations("classpath:shardcache-it/no-such-location").build();
        assertThatThrownBy(m::migrateAll).isInstanceOfSatisfying(ShardMigrationException.class, e -> {
            assertThat(e.report().migrated()).isEmpty();
            assertThat(e.report().failures()).isNotEmpty();
            assertThat(e.getMessage()).contains("no-such-location");
        });
    }

    @Test
    void oneShardCanBeMigratedAlone() throws Exception {
        ShardMigration.Migrated m = migrations(NO_FAILURE, MigrationPolicy.FAIL_FAST, MigrationListener.NONE).migrate(9);
        assertThat(m.applied()).isEqualTo(2);
        assertThat(history(b, "shard_0009")).containsExactly("1:1:t", "2:2:t");
        assertThat(dbs.query(b, "select count(*) from information_schema.tables where table_name = 'flyway_schema_history'"))
            .containsExactly("1");
        assertThatThrownBy(() -> migrations("10", MigrationPolicy.FAIL_FAST, MigrationListener.NONE).migrate(10))
            .isInstanceOf(ShardingException.class).hasMessageContaining("logical shard 10 (schema shard_0010 on physical server db2)");
    }

    @Test
    void shardsMadeByATemplateWithTablesAreBaselinedAndMigratedAsWritten() throws Exception {
        // The README's flow: createShards with a template that makes tables, then migrations for what comes later.
        sharding.runOnEveryShard("create table %{name}.users (id bigint primary key, name text not null)");

        MigrationReport report = migrations(NO_FAILURE, MigrationPolicy.FAIL_FAST, MigrationListener.NONE).migrateAll();

        assertThat(report.isComplete()).isTrue();
        assertThat(report.appliedCount()).isEqualTo(32);
        for (int shard : new int[] {0, 15}) {
            String db = shard < 8 ? a : b;
            assertThat(history(db, sharding.schemaOf(shard))).containsExactly("1:0:t", "2:1:t", "3:2:t");
            assertThat(dbs.query(db, "select description from \"" + sharding.schemaOf(shard)
                + "\".flyway_schema_history where version = '0'")).containsExactly("shard template");
            assertThat(dbs.query(db, "select count(*) from information_schema.tables where table_schema = '"
                + sharding.schemaOf(shard) + "' and table_name in ('users', 'items')")).containsExactly("2");
        }
    }

    @Test
    void anErrorThrownInOneShardsMigrationFailsThatShardAndReportsTheRestAsNotRun() {
        // An Error, not an exception: what a failed assertion in a callback or a missing class raises.
        Callback failOnShard3 = new Callback() {
            @Override
            public boolean supports(Event event, Context context) {
                return event == Event.BEFORE_MIGRATE;
            }

            @Override
            public boolean canHandleInTransaction(Event event, Context context) {
                return true;
            }

            @Override
            public void handle(Event event, Context context) {
                if ("shard_0003".equals(context.getConfiguration().getDefaultSchema()))
                    throw new AssertionError("callback refuses shard_0003");
            }

            @Override
            public String getCallbackName() {
                return "failOnShard3";
            }
        };
        ShardMigrations m = ShardMigrations.builder(sharding).locations(LOCATION).placeholder("fail_on_shard", NO_FAILURE)
            .configureFlyway((FluentConfiguration c) -> c.callbacks(failOnShard3)).build();

        assertThatThrownBy(m::migrateAll).isInstanceOfSatisfying(ShardMigrationException.class, e -> {
            MigrationReport r = e.report();
            assertThat(r.shards()).hasSize(16).doesNotContainNull();
            assertThat(r.shards().subList(0, 3)).allMatch(s -> s instanceof ShardMigration.Migrated);
            assertThat(r.shards().get(3)).isInstanceOfSatisfying(ShardMigration.Failed.class,
                f -> assertThat(f.error()).hasMessageContaining("callback refuses shard_0003").hasCauseInstanceOf(AssertionError.class));
            assertThat(r.shards().subList(4, 8)).allMatch(s -> s instanceof ShardMigration.NotRun);
            assertThat(e.getMessage()).contains("logical shard 3 (schema shard_0003 on physical server db1)")
                .contains("not run (FAIL_FAST)");
        });
    }

    private ShardMigrations migrations(String failOnShard, MigrationPolicy policy, MigrationListener listener) {
        return ShardMigrations.builder(sharding).locations(LOCATION).placeholder("fail_on_shard", failOnShard)
            .policy(policy).listener(listener).build();
    }

    private static MigrationListener recording(Queue<String> events) {
        return new MigrationListener() {
            @Override
            public void shardStarted(int shard, String server, String schema) {
                events.add("started " + shard);
            }

            @Override
            public void shardMigrated(int shard, int appliedCount, String version) {
                events.add("migrated " + shard + " " + appliedCount + " " + version);
            }

            @Override
            public void shardFailed(int shard, ShardingException error) {
                events.add("failed " + shard);
            }

            @Override
            public void shardNotRun(int shard) {
                events.add("notRun " + shard);
            }
        };
    }

    /** {@code installed_rank:version:success} of every row of the schema's Flyway history, in rank order. */
    private List<String> history(String db, String schema) throws Exception {
        return dbs.query(db, "select concat_ws(':', installed_rank, version, case when success then 't' else 'f' end)"
            + " from \"" + schema + "\".flyway_schema_history order by installed_rank");
    }

    private List<String> columns(String db, String schema) throws Exception {
        return dbs.query(db, "select column_name from information_schema.columns where table_schema = '" + schema
            + "' and table_name = 'items'");
    }

    private Map<Integer, List<String>> installedOn() throws Exception {
        Map<Integer, List<String>> out = new HashMap<>();
        for (int shard = 0; shard < 16; shard++)
            out.put(shard, dbs.query(shard < 8 ? a : b, "select installed_rank || '@' || installed_on from \""
                + sharding.schemaOf(shard) + "\".flyway_schema_history order by installed_rank"));
        return out;
    }

    /** The search_path of {@code count} connections of the pool, all held at once so each is a different one. */
    private static List<String> searchPaths(DataSource pool, int count) throws Exception {
        List<Connection> held = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                Connection c = pool.getConnection();
                held.add(c);
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("show search_path")) {
                    rs.next();
                    paths.add(rs.getString(1));
                }
            }
        } finally {
            for (Connection c : held)
                c.close();
        }
        return paths;
    }
}
