package io.shardcache.testing.internal;

import io.shardcache.testing.EmbeddedPostgresServer;
import io.shardcache.testing.PostgresService;
import io.shardcache.testing.ServiceSource;
import io.shardcache.testing.TestServicesException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts and stops a PostgreSQL server from zonky's binaries with {@code initdb} and {@code pg_ctl}.
 *
 * <p>Why not zonky's own launcher: as root it relies on {@code unshare -U} (user namespaces), which many CI
 * containers forbid, and otherwise runs {@code initdb} as root, which refuses. Here every program runs
 * through {@link RunAs}, so the same code path serves root (dropping to {@code nobody}) and everyone else.
 *
 * <p>Layout, under {@code <java.io.tmpdir>/shardcache-pg-<user>/}: {@code pg-<digest>/} holds the binaries
 * (shared, see {@link PostgresBinaries}); each server gets {@code run-<random>/} with its data directory,
 * logs and an {@code owner.pid} naming the JVM that started it. A JVM killed before its shutdown hook ran
 * leaves its run directory behind; the next start finds its owner dead, stops that server and deletes
 * the directory. Not for use outside shardcache's test-support.
 */
public final class LocalPostgres implements EmbeddedPostgresServer {
    private static final System.Logger LOG = System.getLogger("io.shardcache.testing");
    private static final String OWNER = "owner.pid";
    private static final Duration INITDB_TIMEOUT = Duration.ofMinutes(2);
    private static final int PG_CTL_WAIT_SECONDS = 60;
    private static final int BIND_ATTEMPTS = 3;
    private static final Duration EXIT_WAIT = Duration.ofSeconds(10);

    private final RunAs runAs;
    private final Path installation;
    private final Path directory;
    private final PostgresService service;
    private final long pid;
    private final ShutdownHook shutdownHook;

    private LocalPostgres(RunAs runAs, Path installation, Path directory, int port, long pid) {
        this.runAs = runAs;
        this.installation = installation;
        this.directory = directory;
        this.pid = pid;
        this.service = new PostgresService(ServiceSource.EMBEDDED, "127.0.0.1", port, "postgres", "postgres", "");
        this.shutdownHook = new ShutdownHook("shardcache-embedded-postgres-" + port, this::closeQuietly);
    }

    /** Unpacks (once), initialises a fresh data directory, and starts a server on a free port. */
    public static LocalPostgres start() throws IOException, InterruptedException {
        return start(Map.of());
    }

    /**
     * {@link #start()} with {@code settings} added to {@code postgresql.conf} (such as {@code wal_level =
     * logical}); names and values are written as given, so they must be PostgreSQL's own.
     */
    public static LocalPostgres start(Map<String, String> settings) throws IOException, InterruptedException {
        for (var e : settings.entrySet())
            if (!e.getKey().matches("[a-z_.]+") || e.getValue().contains("\n"))
                throw new IllegalArgumentException("not a postgresql.conf setting: " + e.getKey() + " = " + e.getValue());
        RunAs runAs = RunAs.detect();
        Path base = workArea(runAs);
        Path installation = PostgresBinaries.install(base);
        reapOrphans(base, runAs, installation);
        Path directory = Files.createTempDirectory(base, "run-");
        Files.writeString(directory.resolve(OWNER), Long.toString(ProcessHandle.current().pid()));
        runAs.handOver(directory);
        Path data = directory.resolve("data");
        try {
            run(runAs, installation, "initdb", List.of("-A", "trust", "-U", "postgres", "-D", data.toString(),
                    "-E", "UTF8", "--no-locale", "--no-sync"), directory.resolve("initdb.out"), INITDB_TIMEOUT);
            Files.writeString(data.resolve("postgresql.conf"), """

                    # shardcache test-support: a disposable server, reachable over TCP on loopback only
                    listen_addresses = '127.0.0.1'
                    unix_socket_directories = ''
                    max_connections = 300
                    fsync = off
                    synchronous_commit = off
                    full_page_writes = off
                    """, StandardOpenOption.APPEND);
            StringBuilder extra = new StringBuilder();
            settings.forEach((name, value) -> extra.append(name).append(" = '").append(value.replace("'", "''"))
                    .append("'\n"));
            Files.writeString(data.resolve("postgresql.conf"), extra, StandardOpenOption.APPEND);
            int port = startServer(runAs, installation, directory);
            long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).getFirst().strip());
            return new LocalPostgres(runAs, installation, directory, port, pid);
        } catch (IOException | RuntimeException | InterruptedException e) {
            stopImmediately(runAs, installation, directory);
            FileTrees.delete(directory);
            throw e;
        }
    }

    @Override
    public PostgresService service() {
        return service;
    }

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public void close() {
        if (!shutdownHook.close()) {
            return;
        }
        Exception problem = null;
        try {
            run(runAs, installation, "pg_ctl", List.of("-D", directory.resolve("data").toString(), "-m", "fast",
                    "-w", "-t", Integer.toString(PG_CTL_WAIT_SECONDS), "stop"),
                    directory.resolve("pg_ctl-stop.out"), Duration.ofSeconds(PG_CTL_WAIT_SECONDS + 10));
        } catch (IOException e) {
            problem = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problem = e;
        }
        try {
            // The postmaster removes its pid file, which pg_ctl waits for, just before it exits.
            if (!Processes.awaitExit(pid, EXIT_WAIT)) {
                problem = problem != null ? problem : new IOException("process " + pid + " was still alive "
                        + EXIT_WAIT.toSeconds() + " s after pg_ctl stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problem = problem != null ? problem : e;
        }
        boolean killed = Processes.isRunning(pid) && ProcessHandle.of(pid).map(ProcessHandle::destroyForcibly)
                .orElse(false);
        try {
            FileTrees.delete(directory);
        } catch (IOException | UncheckedIOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not delete " + directory + ": " + e);
        }
        if (problem != null) {
            throw new TestServicesException("embedded PostgreSQL on " + service.address() + " (pid " + pid
                    + ") did not stop cleanly" + (killed ? " and was killed" : "") + ": " + problem.getMessage(),
                    problem);
        }
    }

    @Override
    public String toString() {
        return "embedded PostgreSQL " + service.address() + " pid " + pid + " in " + directory;
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, e.getMessage());
        }
    }

    /** Picks a free port and starts; another process may grab the port in between, so retry on a bind error. */
    private static int startServer(RunAs runAs, Path installation, Path directory)
            throws IOException, InterruptedException {
        Path log = directory.resolve("postgres.log");
        for (int attempt = 1; ; attempt++) {
            int port = freePort();
            Files.deleteIfExists(log);
            try {
                run(runAs, installation, "pg_ctl", List.of("-D", directory.resolve("data").toString(),
                        "-l", log.toString(), "-o", "-p " + port, "-w", "-t", Integer.toString(PG_CTL_WAIT_SECONDS),
                        "start"), directory.resolve("pg_ctl-start.out"),
                        Duration.ofSeconds(PG_CTL_WAIT_SECONDS + 10));
                return port;
            } catch (IOException e) {
                String serverLog = Files.exists(log) ? Files.readString(log) : "(no server log)";
                if (attempt < BIND_ATTEMPTS && serverLog.contains("could not bind")) {
                    continue;
                }
                throw new IOException(e.getMessage() + "\nserver log " + log + ":\n" + tail(serverLog), e);
            }
        }
    }

    /**
     * Runs one of PostgreSQL's programs as {@link RunAs#account()}, its output going to a file (pg_ctl's
     * server outlives it, so a pipe could be held open), and fails with that output if it fails.
     */
    static void run(RunAs runAs, Path installation, String program, List<String> arguments, Path output,
                    Duration timeout) throws IOException, InterruptedException {
        List<String> command = runAs.command(PostgresBinaries.program(installation, program), arguments);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        // PGDATA, PGPORT, PGHOST... of the developer's shell must not steer the test server.
        builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
        builder.environment().put("LC_ALL", "C");
        Process process = builder.start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IOException(program + " did not finish within " + timeout.toSeconds() + " s: "
                    + String.join(" ", command) + "\n" + tail(Files.readString(output)));
        }
        if (process.exitValue() != 0) {
            throw new IOException(program + " failed with exit code " + process.exitValue() + " (as "
                    + runAs.account() + "): " + String.join(" ", command) + "\n" + tail(Files.readString(output)));
        }
    }

    private static void stopImmediately(RunAs runAs, Path installation, Path directory) {
        Path data = directory.resolve("data");
        if (Files.exists(data.resolve("postmaster.pid"))) {
            try {
                run(runAs, installation, "pg_ctl", List.of("-D", data.toString(), "-m", "immediate", "-w", "-t",
                        "10", "stop"), directory.resolve("pg_ctl-stop.out"), Duration.ofSeconds(20));
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "could not stop the server in " + directory + ": " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Stops and deletes servers whose JVM is gone. Never touches a directory whose owner is alive. */
    private static void reapOrphans(Path base, RunAs runAs, Path installation) {
        try (DirectoryStream<Path> runs = Files.newDirectoryStream(base, "run-*")) {
            for (Path run : runs) {
                long owner;
                try {
                    owner = Long.parseLong(Files.readString(run.resolve(OWNER)).strip());
                } catch (IOException | NumberFormatException stillStartingOrForeign) {
                    continue;
                }
                if (Processes.isRunning(owner)) {
                    continue;
                }
                LOG.log(System.Logger.Level.DEBUG, "removing embedded PostgreSQL left by dead JVM " + owner + ": "
                        + run);
                stopImmediately(runAs, installation, run);
                try {
                    FileTrees.delete(run);
                } catch (IOException | UncheckedIOException raceOrPermissions) {
                    LOG.log(System.Logger.Level.DEBUG, "could not delete " + run + ": " + raceOrPermissions);
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not look for orphaned servers in " + base + ": " + e);
        }
    }

    /**
     * {@code <tmpdir>/shardcache-pg-<user>}, readable by all. When the programs run as another account every
     * directory above must let that account pass, or initdb fails with a bare "permission denied".
     */
    private static Path workArea(RunAs runAs) throws IOException {
        String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9_.-]", "_");
        Path base = Path.of(System.getProperty("java.io.tmpdir"), "shardcache-pg-" + user).toAbsolutePath();
        Files.createDirectories(base);
        if (!runAs.dropsPrivileges()) {
            return base;
        }
        Files.setPosixFilePermissions(base, PostgresBinaries.DIRECTORY);
        for (Path dir = base.getParent(); dir != null; dir = dir.getParent()) {
            if (!Files.getPosixFilePermissions(dir).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                throw new IOException(dir + " cannot be entered by " + runAs.account() + ", the account PostgreSQL "
                        + "must run as because this JVM is root; point java.io.tmpdir at a directory everyone "
                        + "can enter (for example -Djava.io.tmpdir=/tmp)");
            }
        }
        return base;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static String tail(String text) {
        List<String> lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }
}
