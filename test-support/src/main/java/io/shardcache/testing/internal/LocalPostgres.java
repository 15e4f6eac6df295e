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
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
 * the directory.
 *
 * <p>A standby ({@link #startStandby()}) gets a run directory of its own beside its primary's, holding a base
 * backup of the primary's data directory (see {@link BaseBackup}), and streams WAL from the primary through
 * a physical replication slot that its {@link #close()} drops. Not for use outside shardcache's test-support.
 */
public final class LocalPostgres implements EmbeddedPostgresServer {
    private static final System.Logger LOG = System.getLogger("io.shardcache.testing");
    private static final String OWNER = "owner.pid";
    private static final Duration INITDB_TIMEOUT = Duration.ofMinutes(2);
    private static final int PG_CTL_WAIT_SECONDS = 60;
    private static final int BIND_ATTEMPTS = 3;
    private static final Duration EXIT_WAIT = Duration.ofSeconds(10);
    private static final Duration STREAMING_WAIT = Duration.ofSeconds(30);
    private static final Duration SLOT_RELEASE_WAIT = Duration.ofSeconds(5);
    private static final long POLL_MILLIS = 10;

    private final RunAs runAs;
    private final Path installation;
    private final Path directory;
    private final PostgresService service;
    private final long pid;
    private final ShutdownHook shutdownHook;
    /** The server this one is a standby of, or null for a primary. */
    private final LocalPostgres primary;
    /** The replication slot on {@link #primary} that this standby streams through, or null for a primary. */
    private final String slot;

    private LocalPostgres(RunAs runAs, Path installation, Path directory, int port, long pid,
                          LocalPostgres primary, String slot) {
        this.runAs = runAs;
        this.installation = installation;
        this.directory = directory;
        this.pid = pid;
        this.primary = primary;
        this.slot = slot;
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
        Path directory = newRunDirectory(base, runAs);
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
            return launch(runAs, installation, directory, null, null);
        } catch (IOException | RuntimeException | InterruptedException e) {
            stopImmediately(runAs, installation, directory);
            FileTrees.delete(directory);
            throw e;
        }
    }

    /**
     * Takes an online base backup of this server into a new run directory, configures it as a hot standby
     * streaming from this server through a new physical replication slot, starts it and waits until its WAL
     * receiver streams.
     */
    @Override
    public EmbeddedPostgresServer startStandby() {
        if (shutdownHook.isClosed()) {
            throw new IllegalStateException("cannot start a standby of " + this + ": it is closed");
        }
        long started = System.nanoTime();
        try {
            LocalPostgres standby = standby();
            LOG.log(System.Logger.Level.DEBUG, () -> "started " + standby + " in "
                    + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms");
            return standby;
        } catch (IOException | SQLException e) {
            throw new TestServicesException("standby of embedded PostgreSQL on " + service.address()
                    + " did not start: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TestServicesException("interrupted while starting a standby of embedded PostgreSQL on "
                    + service.address(), e);
        }
    }

    private LocalPostgres standby() throws IOException, SQLException, InterruptedException {
        Path directory;
        String slot;
        try (Connection session = service.connect()) {
            requireReplicationPossible(session);
            directory = newRunDirectory(this.directory.getParent(), runAs);
            // run-<digits>: a valid slot name, unique among this machine's embedded servers.
            slot = "shardcache_standby_" + directory.getFileName().toString().replaceAll("[^0-9]", "");
            try {
                // Reserves WAL at once: none the standby will stream may be removed before it connects.
                try (PreparedStatement create = session.prepareStatement(
                        "select pg_create_physical_replication_slot(?, true)")) {
                    create.setString(1, slot);
                    create.execute();
                }
                BaseBackup.take(session, "shardcache standby " + slot, this.directory.resolve("data"),
                        directory.resolve("data"), runAs);
            } catch (IOException | SQLException | RuntimeException e) {
                discard(runAs, installation, directory);
                dropSlot(this, slot);
                throw e;
            }
        }
        LocalPostgres standby = null;
        try {
            Path data = directory.resolve("data");
            BaseBackup.writePrivate(data.resolve("standby.signal"), "", runAs);
            Files.writeString(data.resolve("postgresql.conf"), """

                    # shardcache test-support: a hot standby of %s, streaming through slot %s
                    primary_conninfo = 'host=%s port=%d user=%s application_name=%s'
                    primary_slot_name = '%s'
                    hot_standby = on
                    """.formatted(service.address(), slot, service.host(), service.port(), service.user(), slot,
                    slot), StandardOpenOption.APPEND);
            standby = launch(runAs, installation, directory, this, slot);
            standby.awaitStreaming();
            return standby;
        } catch (IOException | SQLException | RuntimeException | InterruptedException e) {
            if (standby != null) {
                standby.closeQuietly();
            } else {
                discard(runAs, installation, directory);
                dropSlot(this, slot);
            }
            throw e;
        }
    }

    /** Fails with the reason if this server cannot feed a streaming standby. */
    private void requireReplicationPossible(Connection session) throws SQLException {
        try (PreparedStatement query = session.prepareStatement("select pg_is_in_recovery(), "
                + "current_setting('wal_level'), current_setting('max_wal_senders')::int, "
                + "current_setting('max_replication_slots')::int");
             ResultSet settings = query.executeQuery()) {
            settings.next();
            if (settings.getBoolean(1)) {
                throw new IllegalStateException("cannot start a standby of " + this + ": it is itself a standby; "
                        + "a standby copies a primary");
            }
            if (settings.getString(2).equals("minimal")) {
                throw new IllegalStateException("cannot start a standby of " + this + ": its wal_level is "
                        + "minimal, which carries too little for replication; start it with replica (the "
                        + "default) or logical");
            }
            if (settings.getInt(3) == 0 || settings.getInt(4) == 0) {
                throw new IllegalStateException("cannot start a standby of " + this + ": max_wal_senders = "
                        + settings.getInt(3) + " and max_replication_slots = " + settings.getInt(4)
                        + "; a standby needs one of each");
            }
        }
    }

    /**
     * Waits until this standby's WAL receiver streams from its primary. A standby that accepts connections
     * has replayed its base backup to consistency, so it has streamed before; this makes sure it still does.
     */
    private void awaitStreaming() throws IOException, SQLException, InterruptedException {
        long deadline = System.nanoTime() + STREAMING_WAIT.toNanos();
        try (Connection connection = service.connect();
             PreparedStatement query = connection.prepareStatement("select status from pg_stat_wal_receiver")) {
            while (true) {
                String status;
                try (ResultSet receiver = query.executeQuery()) {
                    status = receiver.next() ? receiver.getString(1) : "no WAL receiver";
                }
                if (status.equals("streaming")) {
                    return;
                }
                if (System.nanoTime() - deadline > 0) {
                    Path log = directory.resolve("postgres.log");
                    throw new IOException("the standby on " + service.address() + " did not stream from "
                            + primary.service.address() + " within " + STREAMING_WAIT.toSeconds()
                            + " s (WAL receiver: " + status + ")\nserver log " + log + ":\n"
                            + tail(Files.exists(log) ? Files.readString(log) : "(no server log)"));
                }
                Thread.sleep(POLL_MILLIS);
            }
        }
    }

    /**
     * Drops a standby's replication slot on its primary, once the primary's WAL sender has let go of it, so
     * that it stops holding back WAL. Best effort: a primary that is closed or closing keeps it.
     */
    private static void dropSlot(LocalPostgres primary, String slot) {
        long deadline = System.nanoTime() + SLOT_RELEASE_WAIT.toNanos();
        Exception last = null;
        while (!primary.shutdownHook.isClosed()) {
            try (Connection connection = primary.service.connect();
                 PreparedStatement drop = connection.prepareStatement("select pg_drop_replication_slot(slot_name) "
                         + "from pg_replication_slots where slot_name = ? and not active");
                 PreparedStatement left = connection.prepareStatement(
                         "select count(*) from pg_replication_slots where slot_name = ?")) {
                drop.setString(1, slot);
                drop.execute();
                left.setString(1, slot);
                try (ResultSet count = left.executeQuery()) {
                    count.next();
                    if (count.getInt(1) == 0) {
                        return;
                    }
                }
            } catch (SQLException e) {
                last = e;
            }
            if (System.nanoTime() - deadline > 0) {
                LOG.log(System.Logger.Level.WARNING, "could not drop replication slot " + slot + " on "
                        + primary + " within " + SLOT_RELEASE_WAIT.toSeconds() + " s; it holds back WAL until "
                        + "that server is closed" + (last != null ? ": " + last.getMessage() : ""));
                return;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
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
        if (primary != null) {
            dropSlot(primary, slot);
        }
        if (problem != null) {
            throw new TestServicesException("embedded PostgreSQL on " + service.address() + " (pid " + pid
                    + ") did not stop cleanly" + (killed ? " and was killed" : "") + ": " + problem.getMessage(),
                    problem);
        }
    }

    @Override
    public String toString() {
        return "embedded PostgreSQL " + (primary != null ? "standby of " + primary.service.address() + ", " : "")
                + service.address() + " pid " + pid + " in " + directory;
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, e.getMessage());
        }
    }

    /** A new {@code run-*} directory under {@code base}, marked as this JVM's and given to the account. */
    private static Path newRunDirectory(Path base, RunAs runAs) throws IOException {
        Path directory = Files.createTempDirectory(base, "run-");
        Files.writeString(directory.resolve(OWNER), Long.toString(ProcessHandle.current().pid()));
        runAs.handOver(directory);
        return directory;
    }

    /** Starts the server whose data directory {@code directory/data} is ready, on a free port. */
    private static LocalPostgres launch(RunAs runAs, Path installation, Path directory, LocalPostgres primary,
                                        String slot) throws IOException, InterruptedException {
        int port = startServer(runAs, installation, directory);
        Path pidFile = directory.resolve("data").resolve("postmaster.pid");
        long pid = Long.parseLong(Files.readAllLines(pidFile).getFirst().strip());
        return new LocalPostgres(runAs, installation, directory, port, pid, primary, slot);
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

    /** Cleans up after a failed start: stops the server if it runs, and deletes its run directory. */
    private static void discard(RunAs runAs, Path installation, Path directory) {
        stopImmediately(runAs, installation, directory);
        try {
            FileTrees.delete(directory);
        } catch (IOException | UncheckedIOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not delete " + directory + ": " + e);
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
