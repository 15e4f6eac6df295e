package io.shardcache.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardcache.testing.internal.Processes;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * Starts real embedded servers. On this project's CI the JVM is root, so this is where the run-as-nobody
 * path of the PostgreSQL launcher is proven.
 */
class EmbeddedServicesIT {

    @Test
    void postgresStartsServesAndStopsCompletely() throws Exception {
        EmbeddedPostgresServer server = EmbeddedServices.startPostgres();
        PostgresService service = server.service();
        long pid = server.pid();
        try {
            assertThat(service.source()).isEqualTo(ServiceSource.EMBEDDED);
            assertThat(service.host()).isEqualTo("127.0.0.1");
            assertThat(service.port()).isNotEqualTo(5432);
            assertThat(Processes.isRunning(pid)).as("postmaster %d running", pid).isTrue();
            if (runningAsRoot()) {
                assertThat(ProcessHandle.of(pid).flatMap(process -> process.info().user()))
                        .as("the postmaster must not run as root").isPresent().get().isNotEqualTo("root");
            }
            try (Connection connection = server.dataSource().getConnection();
                 Statement statement = connection.createStatement()) {
                try (ResultSet one = statement.executeQuery("select 1, current_user")) {
                    assertThat(one.next()).isTrue();
                    assertThat(one.getInt(1)).isEqualTo(1);
                    assertThat(one.getString(2)).isEqualTo("postgres");
                }
                statement.execute("create table fruit (id int primary key, name text not null)");
                statement.execute("insert into fruit values (1, 'apple'), (2, 'pear')");
                try (ResultSet names = statement.executeQuery("select string_agg(name, ',' order by id) from fruit")) {
                    names.next();
                    assertThat(names.getString(1)).isEqualTo("apple,pear");
                }
            }
        } finally {
            server.close();
        }

        assertThat(Processes.isRunning(pid)).as("postmaster %d running after close", pid).isFalse();
        assertPortClosed(service.port());
        server.close(); // idempotent
    }

    @Test
    void twoPostgresServersRunSideBySide() {
        try (EmbeddedPostgresServer first = EmbeddedServices.startPostgres();
             EmbeddedPostgresServer second = EmbeddedServices.startPostgres()) {
            assertThat(first.service().port()).isNotEqualTo(second.service().port());
            assertThat(first.pid()).isNotEqualTo(second.pid());
        }
    }

    @Test
    void redisStartsServesAndStopsCompletely() throws Exception {
        EmbeddedRedisServer server = EmbeddedServices.startRedis();
        RedisService service = server.service();
        try {
            assertThat(service.source()).isEqualTo(ServiceSource.EMBEDDED);
            assertThat(service.port()).isNotEqualTo(6379);
            assertThat(server.uri()).isEqualTo("redis://127.0.0.1:" + service.port());
            String key = RedisService.uniquePrefix("EmbeddedServicesIT") + "greeting";
            try (Resp redis = new Resp(service)) {
                assertThat(redis.call("PING")).isEqualTo("+PONG");
                assertThat(redis.call("SET", key, "hello")).isEqualTo("+OK");
                assertThat(redis.call("GET", key)).isEqualTo("hello");
            }
        } finally {
            server.close();
        }

        assertPortClosed(service.port());
        server.close(); // idempotent
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
