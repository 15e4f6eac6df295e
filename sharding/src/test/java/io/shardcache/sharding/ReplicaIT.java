package io.shardcache.sharding;

import static io.shardcache.sharding.Items.ID;
import static io.shardcache.sharding.Items.ITEMS;
import static io.shardcache.sharding.Items.MODULO;
import static io.shardcache.sharding.Items.NAME;
import static io.shardcache.sharding.Items.SHARD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.metrics.IMetricsTracker;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Replicas without replication: a "live replica" is a second pool on the primary's own database with its
 * own application_name, so every read reports which pool served it; a "dead replica" points at a closed
 * port. db1 has a dead and a live replica, db2 only a dead one.
 */
class ReplicaIT {

    static final Field<String> SERVED_BY = DSL.field("current_setting('application_name')", String.class);

    static TestDatabases dbs;
    static String a;
    static String b;
    static Sharding sharding;

    @BeforeAll
    static void start() throws Exception {
        dbs = new TestDatabases();
        a = dbs.create("a");
        b = dbs.create("b");
        ShardMap map = ShardMap.builder().logicalShards(16).applicationSchema(Items.APP_SCHEMA)
            .physical("db1", dbs.config(a, "db1-primary", 2), 0, 8)
            .physical("db2", dbs.config(b, "db2-primary", 1), 8, 16)
            .replica("db1", TestDatabases.dead("db1-dead-replica"))
            .replica("db1", dbs.config(a, "db1-live-replica", 2))
            .replica("db2", TestDatabases.dead("db2-dead-replica"))
            .build();
        sharding = Sharding.create(map, MODULO);
        sharding.createShards(Items.TEMPLATE);
        for (long id = 0; id < 32; id++)
            sharding.on(id).insertInto(ITEMS, ID, SHARD, NAME).values(id, sharding.shardOf(id), "r").execute();
    }

    @AfterAll
    static void stop() throws Exception {
        TestDatabases.close(sharding, dbs);
    }

    static Map<String, Integer> servedBy(DSLContext ctx, int reads) {
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < reads; i++)
            counts.merge(ctx.fetchValue(SERVED_BY), 1, Integer::sum);
        return counts;
    }

    @Test
    void readsFailOverFromTheDeadReplicaToTheLiveOne() {
        DSLContext replica = sharding.onReplica(3L);
        assertThat(servedBy(replica, 20)).isEqualTo(Map.of("db1-live-replica", 20));
        // The replica context reads the shard's own schema.
        assertThat(replica.select(ID).from(ITEMS).orderBy(ID).fetch(ID)).containsExactly(3L, 19L);
    }

    @Test
    void readsFallBackToThePrimaryWhenEveryReplicaIsDown() {
        assertThat(servedBy(sharding.onReplica(9L), 10)).isEqualTo(Map.of("db2-primary", 10));
    }

    @Test
    void thePrimaryPoolIsReadWriteAgainAfterServingReplicaReads() throws Exception {
        // db2's primary pool has one connection: the one that just served read-only reads must write now.
        servedBy(sharding.onReplica(10L), 3);
        sharding.on(1010L).insertInto(ITEMS, ID, SHARD, NAME).values(1010L, 2, "after reads")
            .execute();                                                   // 1010 mod 16 = 2: db1
        sharding.on(1050L).insertInto(ITEMS, ID, SHARD, NAME).values(1050L, 10, "after reads").execute();  // db2
        assertThat(dbs.query(b, "select name from shard_0010.items where id = 1050")).containsExactly("after reads");
    }

    @Test
    void jooqWritesOnAReplicaContextAreRefusedBeforeTheyAreSent() {
        assertThatThrownBy(() -> sharding.onReplica(4L).insertInto(ITEMS, ID, SHARD, NAME).values(2004L, 4, "no").execute())
            .isInstanceOf(ShardingException.class)
            .hasMessageContaining("refused a WRITE statement on the read-only replica context of logical shard 4"
                + " (schema shard_0004 on physical server db1); write through Sharding.on(key)");
        assertThatThrownBy(() -> sharding.onReplica(4L).deleteFrom(ITEMS).execute())
            .hasMessageContaining("refused a WRITE statement");
        assertThat(sharding.onShard(4).fetchCount(ITEMS)).isEqualTo(2);
    }

    @Test
    void plainSqlWritesOnAReplicaFailInTheServersReadOnlyTransaction() throws Exception {
        // jOOQ sees a plain SQL insert as a write, but not one hidden in a CTE: the server refuses that.
        assertThatThrownBy(() -> sharding.onReplica(9L).execute("insert into shard_0009.items values (2009, 9, 'no')"))
            .hasMessageContaining("refused a WRITE statement");
        assertThatThrownBy(() -> sharding.onReplica(9L)
            .fetch("with w as (insert into shard_0009.items values (2009, 9, 'no') returning id) select id from w"))
            .hasMessageContaining("in a read-only transaction");   // PostgreSQL words it "cannot execute SELECT ..." here
        assertThat(dbs.query(b, "select count(*) from shard_0009.items")).containsExactly("2");
    }

    @Test
    void noServerAtAllIsReportedWithEveryPoolTried() throws Exception {
        ShardMap map = ShardMap.builder().logicalShards(2).applicationSchema(Items.APP_SCHEMA)
            .physical("gone", TestDatabases.dead("gone-primary"), 0, 2)
            .replica("gone", TestDatabases.dead("gone-replica"))
            .build();
        try (Sharding down = Sharding.create(map, MODULO)) {
            assertThatThrownBy(() -> down.onReplicaShard(1).fetchValue(SERVED_BY))
                .hasStackTraceContaining("no server gave a connection to read logical shard 1 (schema shard_0001)"
                    + " of physical server gone: replica shardcache-default-gone-replica-0")
                .hasStackTraceContaining("; primary shardcache-default-gone (jdbc:postgresql://127.0.0.1:");
        }
    }

    @Test
    void aServerWhoseOnlyReplicaIsDownPaysOneTimeoutPerCoolDownNotOnePerRead() throws Exception {
        AtomicInteger replicaTimeouts = new AtomicInteger();
        HikariConfig deadReplica = TestDatabases.dead("solo-dead-replica");
        deadReplica.setMetricsTrackerFactory((pool, stats) -> new IMetricsTracker() {
            @Override
            public void recordConnectionTimeout() {
                replicaTimeouts.incrementAndGet();
            }
        });
        ShardMap map = ShardMap.builder().logicalShards(2).applicationSchema(Items.APP_SCHEMA)
            .physical("solo", dbs.config(a, "solo-primary", 2), 0, 2)
            .replica("solo", deadReplica)
            .build();
        try (Sharding solo = Sharding.builder(map, MODULO).name("solo").build()) {
            assertThat(servedBy(solo.onReplicaShard(1), 6)).isEqualTo(Map.of("solo-primary", 6));
            // The first read found the replica down; the next five, within the cool-down, went to the primary.
            assertThat(replicaTimeouts).hasValue(1);
        }
    }
}
