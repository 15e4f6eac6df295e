package io.shardcache.query;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;
import static io.shardcache.query.Items.PRICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.math.BigDecimal;
import java.sql.Connection;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Uncommitted rows are never cached nor served from cache. */
@ExtendWith(ServicesExtension.class)
class TransactionIT {

    private Db db;
    private io.shardcache.query.spi.CacheBackend backend;
    private CachingDSL cached;

    @BeforeEach
    void setUp(TestSchema schema) throws Exception {
        db = new Db(schema, 4);
        backend = TestBackends.create(schema.name(), java.time.InstantSource.system());
        cached = CachingDSL.wrap(db.dsl, Regions.builder().region("items").build(), backend);
    }

    @AfterEach
    void tearDown() {
        cached.close();
        backend.close();
        db.close();
    }

    @Test
    void readsInsideAJooqTransactionBypassTheCache() throws Exception {
        // Cache the committed state first.
        assertThat(cached.fromCache("items").select(NAME, Db.touch("outside")).from(ITEMS).where(ID.eq(1)).fetchOne(NAME))
            .isEqualTo("item 1");

        assertThatThrownBy(() -> db.dsl.transaction(trx -> {
            trx.dsl().update(ITEMS).set(NAME, "uncommitted").where(ID.eq(1)).execute();
            CachingDSL inTrx = cached.on(trx.dsl());
            for (int i = 0; i < 2; i++)
                assertThat(inTrx.fromCache("items").select(NAME, Db.touch("inside")).from(ITEMS).where(ID.eq(1)).fetchOne(NAME))
                    .as("the transaction sees its own write, not the cached row").isEqualTo("uncommitted");
            throw new IllegalStateException("roll back");
        })).hasMessage("roll back");

        assertThat(cached.fromCache("items").select(NAME, Db.touch("outside")).from(ITEMS).where(ID.eq(1)).fetchOne(NAME))
            .as("after rollback").isEqualTo("item 1");
        assertThat(db.executions("outside")).as("served from the entry cached before the transaction").isEqualTo(1);
        // The reads inside the transaction ran on the database each time; their counter rows rolled back
        // with the transaction, so the proof that nothing was stored is the region's store count.
        assertThat(cached.stats("items").stored()).isEqualTo(1);
    }

    /**
     * A replica's pool hands out connections in a read-only transaction (BEGIN READ ONLY per use):
     * such rows are committed data and are stored, unless the snapshot may be older than a commit.
     */
    @Test
    void readOnlyTransactionsOfAPoolAreCachedUnderReadCommittedOnly() throws Exception {
        for (int isolation : new int[] {Connection.TRANSACTION_READ_COMMITTED, Connection.TRANSACTION_REPEATABLE_READ}) {
            org.jooq.ConnectionProvider readOnly = new org.jooq.ConnectionProvider() {
                @Override
                public Connection acquire() {
                    try {
                        Connection c = db.pool.getConnection();
                        c.setAutoCommit(false);
                        c.setReadOnly(true);
                        c.setTransactionIsolation(isolation);
                        return c;
                    } catch (java.sql.SQLException e) {
                        throw new org.jooq.exception.DataAccessException("acquire", e);
                    }
                }

                @Override
                public void release(Connection c) {
                    try (c) {
                        c.rollback();
                    } catch (java.sql.SQLException e) {
                        throw new org.jooq.exception.DataAccessException("release", e);
                    }
                }
            };
            CachingDSL onReplica = CachingDSL.wrap(DSL.using(readOnly, SQLDialect.POSTGRES), Regions.builder().region("items").build());
            for (int i = 0; i < 2; i++)
                assertThat(onReplica.fromCache("items").select(NAME).from(ITEMS).where(ID.eq(2)).fetchOne(NAME)).isEqualTo("item 2");
            boolean readCommitted = isolation == Connection.TRANSACTION_READ_COMMITTED;
            assertThat(onReplica.stats("items").stored()).as("stored at isolation %d", isolation).isEqualTo(readCommitted ? 1 : 0);
            assertThat(onReplica.stats("items").hits()).as("hits at isolation %d", isolation).isEqualTo(readCommitted ? 1 : 0);
            onReplica.close();
        }
    }

    @Test
    void aSingleConnectionOutsideAutoCommitBypassesTheCache() throws Exception {
        try (Connection c = db.pool.getConnection()) {
            c.setAutoCommit(false);
            CachingDSL onConnection = CachingDSL.wrap(DSL.using(c, SQLDialect.POSTGRES), Regions.builder().region("items").build());
            DSL.using(c, SQLDialect.POSTGRES).insertInto(ITEMS, ID, NAME, PRICE).values(1000, "uncommitted", BigDecimal.ONE).execute();
            for (int i = 0; i < 2; i++)
                assertThat(onConnection.fromCache("items").selectFrom(ITEMS).where(ID.eq(1000)).fetch()).hasSize(1);
            assertThat(onConnection.stats("items").skippedTransaction()).isEqualTo(2);
            assertThat(onConnection.stats("items").stored()).isZero();
            c.rollback();
            c.setAutoCommit(true);
            assertThat(onConnection.fromCache("items").selectFrom(ITEMS).where(ID.eq(1000)).fetch()).isEmpty();
            assertThat(onConnection.stats("items").stored()).isEqualTo(1);
        }
    }

    @Test
    void rowsReadOnAPooledConnectionOutsideAutoCommitAreNotStored() throws Exception {
        try (var pool = db.newPool(false, 2)) {
            CachingDSL manual = CachingDSL.wrap(DSL.using(pool, SQLDialect.POSTGRES), Regions.builder().region("items").build());
            for (int i = 0; i < 2; i++)
                assertThat(manual.fromCache("items").select(NAME).from(ITEMS).where(ID.eq(2)).fetchOne(NAME)).isEqualTo("item 2");
            assertThat(manual.stats("items").regenerations()).isEqualTo(2);
            assertThat(manual.stats("items").skippedTransaction()).isEqualTo(2);
            assertThat(manual.stats("items").stored()).isZero();
        }
    }

    @Test
    void readsBypassTheCacheWhileTheApplicationSaysItIsInATransaction() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean inFrameworkTransaction = new java.util.concurrent.atomic.AtomicBoolean(true);
        CachingDSL framework = CachingDSL.builder(db.dsl, Regions.builder().region("items").build())
            .inTransaction(inFrameworkTransaction::get).build();
        for (int i = 0; i < 2; i++)
            framework.fromCache("items").select(NAME, Db.touch("framework")).from(ITEMS).where(ID.eq(4)).fetch();
        assertThat(db.executions("framework")).isEqualTo(2);
        assertThat(framework.stats("items").skippedTransaction()).isEqualTo(2);
        assertThat(framework.stats("items").stored()).isZero();

        inFrameworkTransaction.set(false);
        for (int i = 0; i < 2; i++)
            framework.fromCache("items").select(NAME, Db.touch("framework")).from(ITEMS).where(ID.eq(4)).fetch();
        assertThat(db.executions("framework")).as("cached once outside").isEqualTo(3);
    }
}
