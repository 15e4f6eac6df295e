package io.shardcache.redis;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.TestSchema;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * What a child JVM ({@link StampedeChild}, {@link LockHolderChild}, {@link InvalidationChild}) needs from its parent test: the
 * test's schema and Redis prefix, handed over in environment variables (so that no password shows
 * on a command line), and a stdin that doubles as a lifeline: when the parent goes, stdin ends and
 * the child halts at once.
 */
final class ChildSide {

    private static final String JDBC_URL = "SHARDCACHE_CHILD_JDBC_URL";
    private static final String PG_USER = "SHARDCACHE_CHILD_PG_USER";
    private static final String PG_PASSWORD = "SHARDCACHE_CHILD_PG_PASSWORD";
    private static final String REDIS_URI = "SHARDCACHE_CHILD_REDIS_URI";
    private static final String PREFIX = "SHARDCACHE_CHILD_PREFIX";

    /** A child that outlives this (or its {@code lifetimeMinutes} argument) is stuck: it halts rather than linger on a CI machine. */
    private static final Duration LIFETIME = Duration.ofMinutes(2);

    private final Map<String, String> args;
    private final BlockingQueue<String> commands = new LinkedBlockingQueue<>();

    private ChildSide(Map<String, String> args) {
        this.args = args;
    }

    /** In the parent: the environment that tells a child where the test's database and Redis keys are. */
    static Map<String, String> environment(TestSchema schema, RedisService redis, String prefix) {
        return Map.of(
            JDBC_URL, schema.jdbcUrl(),
            PG_USER, schema.postgres().user(),
            PG_PASSWORD, schema.postgres().password(),
            REDIS_URI, redis.uri(),
            PREFIX, prefix);
    }

    /** In the child: parses {@code key=value} arguments and starts watching stdin and the clock. */
    static ChildSide start(String[] argv) {
        Map<String, String> args = new HashMap<>();
        for (String a : argv) {
            int eq = a.indexOf('=');
            if (eq < 1)
                throw new IllegalArgumentException("argument '" + a + "' is not key=value");
            args.put(a.substring(0, eq), a.substring(eq + 1));
        }
        ChildSide side = new ChildSide(args);
        Duration lifetime = args.containsKey("lifetimeMinutes") ? Duration.ofMinutes(Long.parseLong(args.get("lifetimeMinutes"))) : LIFETIME;
        Thread.ofPlatform().daemon().name("parent-lifeline").start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; )
                    side.commands.add(line);
            } catch (IOException ignored) {
                // treated as the parent being gone
            }
            Runtime.getRuntime().halt(3);
        });
        Thread.ofPlatform().daemon().name("lifetime").start(() -> {
            try {
                Thread.sleep(lifetime);
                System.err.println("child still running after " + lifetime + ": halting");
                Runtime.getRuntime().halt(4);
            } catch (InterruptedException ignored) {
                // not interrupted by anyone
            }
        });
        return side;
    }

    String arg(String key) {
        String v = args.get(key);
        if (v == null)
            throw new IllegalArgumentException("missing argument " + key + "=..., have " + args.keySet());
        return v;
    }

    String redisUri() {
        return env(REDIS_URI);
    }

    String prefix() {
        return env(PREFIX);
    }

    /** A pool on the test's schema, named {@code applicationName} in {@code pg_stat_activity}. */
    HikariDataSource pool(int size, String applicationName) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(env(JDBC_URL) + "&ApplicationName=" + applicationName);
        config.setUsername(env(PG_USER));
        String password = System.getenv(PG_PASSWORD);
        if (password != null && !password.isEmpty())
            config.setPassword(password);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(1);
        config.setPoolName("child-" + applicationName);
        return new HikariDataSource(config);
    }

    /** Waits for the parent to send {@code command} on stdin. */
    void awaitCommand(String command, Duration timeout) throws InterruptedException {
        String line = commands.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!command.equals(line))
            throw new IllegalStateException("expected '" + command + "' on stdin within " + timeout + ", got " + line);
    }

    /** The next line the parent sends, for a child that takes commands one after another; null if none comes within {@code timeout}. */
    String nextCommand(Duration timeout) throws InterruptedException {
        return commands.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Prints a status line for the parent at once. */
    static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static String env(String name) {
        String v = System.getenv(name);
        if (v == null)
            throw new IllegalStateException("environment variable " + name + " is not set: start this class through ChildJvm");
        return v;
    }
}
