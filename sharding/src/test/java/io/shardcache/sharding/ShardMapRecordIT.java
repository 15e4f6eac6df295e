package io.shardcache.sharding;

import static io.shardcache.sharding.Items.MODULO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import io.shardcache.testing.Gate;
import java.util.List;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The map each server records, and the maps refused because they contradict it. */
class ShardMapRecordIT {

    static TestDatabases dbs;
    static String a;
    static String b;
    static String c;

    static final String ROW = "select concat_ws(',', server, logical_shards, schema_pattern, first_shard, end_shard)"
        + " from shardcache.shard_map where map_name = 'default'";

    @BeforeAll
    static void recordTheFirstMap() throws Exception {
        dbs = new TestDatabases();
        a = dbs.create("a");
        b = dbs.create("b");
        c = dbs.create("c");
        initialize(map(16, "shard_%04d", "db1", a, 0, 8, "db2", b, 8, 16));
    }

    @AfterAll
    static void drop() throws Exception {
        if (dbs != null)
            dbs.close();
    }

    static ShardMap map(int shards, String pattern, Object... servers) {
        ShardMap.Builder builder = ShardMap.builder().logicalShards(shards).schemaPattern(pattern);
        for (int i = 0; i < servers.length; i += 4)
            builder.physical((String) servers[i], cfg((String) servers[i + 1]), (Integer) servers[i + 2], (Integer) servers[i + 3]);
        return builder.build();
    }

    static HikariConfig cfg(String db) {
        return dbs.config(db, "record-it", 1);
    }

    static void initialize(ShardMap map) {
        try (Sharding s = Sharding.create(map, MODULO)) {
            s.initialize();
        }
    }

    @Test
    void eachServerRecordsItsOwnRange() throws Exception {
        assertThat(dbs.query(a, ROW)).containsExactly("db1,16,shard_%04d,0,8");
        assertThat(dbs.query(b, ROW)).containsExactly("db2,16,shard_%04d,8,16");
    }

    @Test
    void theSameMapStartsAgain() throws Exception {
        assertThatCode(() -> initialize(map(16, "shard_%04d", "db1", a, 0, 8, "db2", b, 8, 16))).doesNotThrowAnyException();
        assertThat(dbs.query(a, "select count(*) from shardcache.shard_map")).containsExactly("1");
    }

    @Test
    void changingTheShardCountIsRefused() {
        assertThatThrownBy(() -> initialize(map(32, "shard_%04d", "db1", a, 0, 16, "db2", b, 16, 32)))
            .isInstanceOf(ShardingException.class)
            .hasMessage("the shard map 'default' contradicts what its servers recorded: "
                + "logical shard count changed from 16 to 32: it is fixed for the life of the data");
    }

    @Test
    void movingShardsToAnotherServerIsRefused() throws Exception {
        assertThatThrownBy(() -> initialize(map(16, "shard_%04d", "db1", a, 0, 4, "db2", b, 4, 16)))
            .hasMessageContaining("logical shards [4, 8) were recorded on server db1 but the map puts them on db2; move them with ShardMoves instead of editing the ranges")
            .hasMessageContaining("the map puts logical shards [4, 8) on server db2, which recorded only [8, 16)");
        assertThat(dbs.query(b, ROW)).containsExactly("db2,16,shard_%04d,8,16");
    }

    @Test
    void aRefusedMapRecordsNothingOnItsNewServer() throws Exception {
        assertThatThrownBy(() -> initialize(map(16, "shard_%04d", "db1", a, 0, 4, "db3", c, 4, 8, "db2", b, 8, 16)))
            .hasMessageContaining("logical shards [4, 8) were recorded on server db1 but the map puts them on db3");
        assertThat(dbs.query(c, ROW)).isEmpty();
    }

    @Test
    void swappedServerConfigsAreRefused() {
        assertThatThrownBy(() -> initialize(map(16, "shard_%04d", "db1", b, 0, 8, "db2", a, 8, 16)))
            .hasMessageContaining("was recorded as physical server 'db2' of map 'default' but the map calls it 'db1'")
            .hasMessageContaining("was recorded as physical server 'db1' of map 'default' but the map calls it 'db2'");
    }

    @Test
    void changingTheSchemaPatternIsRefused() {
        assertThatThrownBy(() -> initialize(map(16, "s%02d", "db1", a, 0, 8, "db2", b, 8, 16)))
            .hasMessage("the shard map 'default' contradicts what its servers recorded: "
                + "schema pattern changed from 'shard_%04d' to 's%02d': the existing schemas would no longer be found");
    }

    @Test
    void concurrentFirstStartsRecordOnce() throws Exception {
        ShardMap map = ShardMap.builder().logicalShards(4).physical("solo", cfg(c), 0, 4).build();
        List<Future<String>> outcomes = Gate.run(4, i -> {
            try (Sharding s = Sharding.builder(map, MODULO).name("racing").build()) {
                s.initialize();
                return "ok";
            } catch (RuntimeException e) {
                return e.toString();
            }
        });
        for (Future<String> f : outcomes)
            assertThat(f.get()).isEqualTo("ok");
        assertThat(dbs.query(c, "select concat_ws(',', server, first_shard, end_shard) from shardcache.shard_map"
            + " where map_name = 'racing'")).containsExactly("solo,0,4");
    }
}
