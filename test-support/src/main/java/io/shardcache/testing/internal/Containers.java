package io.shardcache.testing.internal;

import io.shardcache.testing.PostgresService;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.ServiceSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * PostgreSQL and Redis in Docker containers through Testcontainers, stopped when the JVM exits (and by
 * Testcontainers' reaper if the JVM dies). Not for use outside shardcache's test-support.
 *
 * <p>Asking Testcontainers whether Docker is there costs a few hundred milliseconds and prints JNA and
 * SLF4J warnings even when no engine exists, so unless Testcontainers is forced we first look for any
 * sign of an engine (a {@code DOCKER_HOST}, a Testcontainers configuration, a known socket) and skip it
 * quietly when there is none.
 */
final class Containers {
    static final String POSTGRES_IMAGE = "postgres:16-alpine";
    static final String REDIS_IMAGE = "redis:7-alpine";
    private static final Duration STARTUP = Duration.ofMinutes(3);

    private Containers() {
    }

    static PostgresService postgres(boolean forced) throws SourceUnavailable {
        requireDocker(forced);
        GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(POSTGRES_IMAGE))
                .withEnv("POSTGRES_HOST_AUTH_METHOD", "trust")
                // Test data is disposable: trade durability for speed, and allow the pools of many shards.
                .withCommand("postgres", "-c", "fsync=off", "-c", "synchronous_commit=off",
                        "-c", "full_page_writes=off", "-c", "max_connections=300")
                .withTmpFs(Map.of("/var/lib/postgresql/data", "rw"))
                .withExposedPorts(5432)
                // The image's entrypoint starts the server once to initialise it, then again for real.
                .waitingFor(Wait.forLogMessage(".*database system is ready to accept connections.*\\s", 2)
                        .withStartupTimeout(STARTUP));
        start(container, POSTGRES_IMAGE);
        PostgresService service = new PostgresService(ServiceSource.TESTCONTAINERS, container.getHost(),
                container.getMappedPort(5432), "postgres", "postgres", "");
        Probes.postgres(service);
        return service;
    }

    static RedisService redis(boolean forced) throws SourceUnavailable {
        requireDocker(forced);
        GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(REDIS_IMAGE))
                .withCommand("redis-server", "--save", "", "--appendonly", "no")
                .withExposedPorts(6379)
                .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*\\s", 1)
                        .withStartupTimeout(STARTUP));
        start(container, REDIS_IMAGE);
        RedisService service = new RedisService(ServiceSource.TESTCONTAINERS, container.getHost(),
                container.getMappedPort(6379));
        Probes.redis(service);
        return service;
    }

    private static void start(GenericContainer<?> container, String image) throws SourceUnavailable {
        try {
            container.start();
        } catch (RuntimeException e) {
            container.close();
            throw new SourceUnavailable("container " + image + " did not start: " + e.getMessage(), e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "shardcache-stop-" + image));
    }

    private static void requireDocker(boolean forced) throws SourceUnavailable {
        if (!forced) {
            List<String> signs = engineSigns();
            if (signs.isEmpty()) {
                throw new SourceUnavailable("no Docker engine found (DOCKER_HOST is unset, there is no "
                        + "~/.testcontainers.properties, and none of the usual sockets exists; "
                        + Settings.SERVICES + "=testcontainers asks Testcontainers anyway)");
            }
        }
        boolean available;
        try {
            available = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            throw new SourceUnavailable("Testcontainers failed to look for Docker: " + e, e);
        }
        if (!available) {
            List<String> signs = engineSigns();
            throw new SourceUnavailable("Testcontainers found no working Docker engine" + (signs.isEmpty()
                    ? ", and there is no sign of one (DOCKER_HOST, ~/.testcontainers.properties, a docker.sock)"
                    : " although " + String.join(", ", signs) + " suggest one; the SLF4J logger org.testcontainers "
                            + "says why"));
        }
    }

    /** What suggests a Docker engine might answer; empty when nothing does. */
    static List<String> engineSigns() {
        List<String> signs = new ArrayList<>();
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows")) {
            signs.add("Windows (named pipe; Testcontainers checks)");
        }
        for (String variable : List.of("DOCKER_HOST", "TESTCONTAINERS_HOST_OVERRIDE")) {
            if (System.getenv(variable) != null) {
                signs.add(variable);
            }
        }
        Path home = Path.of(System.getProperty("user.home"));
        List<Path> candidates = new ArrayList<>(List.of(
                home.resolve(".testcontainers.properties"),
                Path.of("/var/run/docker.sock"),
                home.resolve(".docker/run/docker.sock"),
                home.resolve(".docker/desktop/docker.sock"),
                home.resolve(".colima/default/docker.sock"),
                home.resolve(".rd/docker.sock")));
        String runtimeDir = System.getenv("XDG_RUNTIME_DIR");
        if (runtimeDir != null) {
            candidates.add(Path.of(runtimeDir, "docker.sock"));
            candidates.add(Path.of(runtimeDir, "podman/podman.sock"));
        }
        candidates.stream().filter(Files::exists).map(Path::toString).forEach(signs::add);
        return signs;
    }
}
