package io.shardcache.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardcache.testing.internal.Processes;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Starts a real streaming-replication standby of an embedded server: what the primary writes reaches the
 * standby by PostgreSQL's physical replication, the standby refuses writes, and closing it leaves nothing
 * behind, neither its process nor its replication slot on the primary.
 */
class EmbeddedPostgresStandbyIT {

    @Test
    void standbyReceivesWhatThePrimaryWritesAndStopsCompletely() throws Exception {
        try (EmbeddedPostgresServer primary = EmbeddedServices.startPostgres(Map.of("wal_level", "logical"))) {
            try (Connection connection = primary.service().connect();
                 Statement statement = connection.createStatement()) {
                statement.execute("create table seed (id int primary key)");
                statement.execute("insert into seed values (7)");
            }

            EmbeddedPostgresServer standby = primary.startStandby();
            long pid = standby.pid();
            PostgresService service = standby.service();
            try {
                assertThat(service.source()).isEqualTo(ServiceSource.EMBEDDED);
                assertThat(service.host()).isEqualTo("127.0.0.1");
                assertThat(service.port()).isNotEqualTo(primary.service().port());
                assertThat(pid).isNotEqualTo(primary.pid());
                assertThat(Processes.isRunning(pid)).as("standby postmaster %d running", pid).isTrue();
                if (runningAsRoot()) {
                    assertThat(ProcessHandle.of(pid).flatMap(process -> process.info().user()))
                            .as("the standby must not run as root").isPresent().get().isNotEqualTo("root");
                }

                try (Connection onPrimary = primary.service().connect();
                     Statement primaryStatement = onPrimary.createStatement();
                     Connection onStandby = standby.service().connect();
                     Statement standbyStatement = onStandby.createStatement()) {
                    assertThat(single(primaryStatement, "select pg_is_in_recovery()")).isEqualTo("f");
                    assertThat(single(standbyStatement, "select pg_is_in_recovery()")).isEqualTo("t");
                    // A WAL sender reports "catchup" until it has first sent all there is.
                    Eventually.await("the primary's WAL sender streaming", Duration.ofSeconds(10),
                            () -> single(primaryStatement, "select string_agg(state || ' ' || sync_state, ',') "
                                    + "from pg_stat_replication"), "streaming async"::equals);
                    assertThat(single(primaryStatement, "select string_agg(slot_type || ' ' || active, ',') "
                            + "from pg_replication_slots")).as("the primary's slots").isEqualTo("physical true");
                    // Written before the base backup: there as soon as the standby accepts connections.
                    assertThat(single(standbyStatement, "select id from seed")).isEqualTo("7");

                    primaryStatement.execute("create table fruit (id int primary key, name text not null)");
                    primaryStatement.execute("insert into fruit values (1, 'apple')");

                    String name = Eventually.await("the primary's row on the standby", Duration.ofSeconds(30),
                            () -> fruit(standbyStatement), "apple"::equals);
                    assertThat(name).isEqualTo("apple");
                    assertThatThrownBy(() -> standbyStatement.execute("insert into fruit values (2, 'pear')"))
                            .isInstanceOfSatisfying(SQLException.class,
                                    e -> assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo("25006"));
                }

                assertThatThrownBy(standby::startStandby).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("itself a standby");
            } finally {
                standby.close();
            }

            assertThat(Processes.isRunning(pid)).as("standby postmaster %d running after close", pid).isFalse();
            assertPortClosed(service.port());
            standby.close(); // idempotent
            try (Connection onPrimary = primary.service().connect();
                 Statement primaryStatement = onPrimary.createStatement()) {
                assertThat(single(primaryStatement, "select count(*) from pg_replication_slots"))
                        .as("replication slots left on the primary").isEqualTo("0");
                assertThat(single(primaryStatement, "select name from fruit")).isEqualTo("apple");
            }

            primary.close();
            assertThatThrownBy(primary::startStandby).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("closed");
        }
    }

    @Test
    void standbyOfAPrimaryBeingWrittenCatchesUp() throws Exception {
        try (EmbeddedPostgresServer primary = EmbeddedServices.startPostgres()) {
            try (Connection connection = primary.service().connect();
                 Statement statement = connection.createStatement()) {
                statement.execute("create table event (id bigserial primary key, payload text not null)");
            }
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicLong batches = new AtomicLong();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try (Connection connection = primary.service().connect();
                     Statement statement = connection.createStatement()) {
                    while (writing.get()) {
                        // Data files grow, a table comes and goes: the copy sees files change and vanish.
                        statement.execute("insert into event (payload) select repeat('x', 500) "
                                + "from generate_series(1, 200)");
                        statement.execute("create table scratch as select * from event limit 100");
                        statement.execute("drop table scratch");
                        batches.incrementAndGet();
                    }
                } catch (SQLException e) {
                    throw new CompletionException(e);
                }
            });
            Eventually.await("the writer's first batches", Duration.ofSeconds(10), () -> batches.get() >= 3
                    || writer.isDone());

            try (EmbeddedPostgresServer standby = primary.startStandby()) {
                long during = batches.get();
                Eventually.await("more batches after the standby started", Duration.ofSeconds(10),
                        () -> batches.get() >= during + 3 || writer.isDone());
                writing.set(false);
                writer.get(30, TimeUnit.SECONDS);

                String written;
                try (Connection onPrimary = primary.service().connect();
                     Statement primaryStatement = onPrimary.createStatement()) {
                    written = single(primaryStatement, "select count(*) || ' ' || max(id) from event");
                }
                try (Connection onStandby = standby.service().connect();
                     Statement standbyStatement = onStandby.createStatement()) {
                    Eventually.await("the standby has every event", Duration.ofSeconds(30),
                            () -> single(standbyStatement, "select count(*) || ' ' || max(id) from event"),
                            written::equals);
                    assertThat(single(standbyStatement, "select to_regclass('scratch') is null")).isEqualTo("t");
                }
            }
        }
    }

    /** The name of fruit 1, or what stands in its way, on a standby that may not have received it yet. */
    private static String fruit(Statement standby) throws SQLException {
        try (ResultSet row = standby.executeQuery("select name from fruit where id = 1")) {
            return row.next() ? row.getString(1) : "(no row yet)";
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) { // undefined_table
                return "(no table yet)";
            }
            throw e;
        }
    }

    private static String single(Statement statement, String query) throws SQLException {
        try (ResultSet result = statement.executeQuery(query)) {
            assertThat(result.next()).as(query).isTrue();
            return result.getString(1);
        }
    }

    private static void assertPortClosed(int port) {
        assertThatThrownBy(() -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            }
        }).as("port %d after close", port).isInstanceOf(ConnectException.class);
    }

    private static boolean runningAsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
