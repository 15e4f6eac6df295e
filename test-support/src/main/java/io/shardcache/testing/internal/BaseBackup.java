package io.shardcache.testing.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.EnumSet;
import java.util.Set;

/**
 * Takes a base backup of a running PostgreSQL server with the low-level API, for a standby: zonky's
 * binaries have no {@code pg_basebackup}, and a system one of another major version refuses the server.
 *
 * <p>Follows "Making a Base Backup Using the Low Level API" of PostgreSQL's manual: {@code pg_backup_start}
 * in a session that stays open, a copy of the data directory while the server keeps running (files that
 * change or vanish meanwhile are put right by replaying the WAL written since the backup's start, which the
 * standby streams), then {@code pg_backup_stop} in the same session, whose label file goes into the copy as
 * {@code backup_label}. The copy leaves out what the manual says may be left out. Not for use outside
 * shardcache's test-support.
 */
final class BaseBackup {
    /** rwx------: PostgreSQL refuses a data directory that others may read. */
    private static final Set<PosixFilePermission> DIRECTORY = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);
    /** rw------- */
    private static final Set<PosixFilePermission> FILE = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE);
    /** Directories whose contents are the running server's own: the copy gets them empty. */
    private static final Set<String> EMPTIED = Set.of("pg_wal", "pg_replslot", "pg_dynshmem", "pg_notify",
            "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans");
    /**
     * Files of the running server, or of another backup, that must not be in the copy; so must temporary
     * files ({@code pgsql_tmp*}) and relation caches ({@code pg_internal.init*}), rebuilt on start.
     */
    private static final Set<String> LEFT_OUT = Set.of("postmaster.pid", "postmaster.opts", "backup_label",
            "tablespace_map", "backup_manifest", "postgresql.auto.conf.tmp", "current_logfiles.tmp");

    private BaseBackup() {
    }

    /**
     * Copies the data directory {@code source} of the server {@code session} is connected to into
     * {@code target}, which must not exist, as a base backup: consistent once the WAL from the backup's
     * start up to its end has been replayed on it. Everything in {@code target} is given to {@code runAs}'s
     * account and is private to it (directories 0700, files 0600), as PostgreSQL demands. On failure the
     * backup is not stopped; closing {@code session} ends it.
     *
     * @param session a superuser's session on the server, used for nothing else meanwhile
     * @param label   names the backup in the server's log and in {@code backup_label}
     * @throws IOException if the server has tablespaces (their directories lie outside {@code source}, and
     *                     are not copied), or the copy fails
     * @throws SQLException if the server refuses the backup, for example at {@code wal_level = minimal}
     */
    static void take(Connection session, String label, Path source, Path target, RunAs runAs)
            throws IOException, SQLException {
        try (DirectoryStream<Path> tablespaces = Files.newDirectoryStream(source.resolve("pg_tblspc"))) {
            if (tablespaces.iterator().hasNext()) {
                throw new IOException(source + " has tablespaces (pg_tblspc is not empty); a standby's base "
                        + "backup copies the data directory only");
            }
        }
        try (PreparedStatement start = session.prepareStatement("select pg_backup_start(?, true)")) {
            start.setString(1, label);
            start.execute();
        }
        copy(source, target, runAs);
        String labelFile;
        try (PreparedStatement stop = session.prepareStatement("select labelfile from pg_backup_stop(false)");
             ResultSet result = stop.executeQuery()) {
            if (!result.next()) {
                throw new SQLException("pg_backup_stop returned no row");
            }
            labelFile = result.getString(1);
        }
        writePrivate(target.resolve("backup_label"), labelFile, runAs);
    }

    /** Writes a new file in a copy, private to {@code runAs}'s account. */
    static void writePrivate(Path file, String text, RunAs runAs) throws IOException {
        Files.writeString(file, text);
        makePrivate(file, FILE, runAs);
    }

    private static void copy(Path source, Path target, RunAs runAs) throws IOException {
        Files.walkFileTree(source, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path directory, BasicFileAttributes attributes)
                    throws IOException {
                Path copy = target.resolve(source.relativize(directory).toString());
                Files.createDirectory(copy);
                makePrivate(copy, DIRECTORY, runAs);
                String name = directory.getFileName().toString();
                boolean emptied = directory.getParent() != null && directory.getParent().equals(source)
                        && EMPTIED.contains(name);
                return emptied ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                String name = file.getFileName().toString();
                if (LEFT_OUT.contains(name) || name.startsWith("pgsql_tmp") || name.startsWith("pg_internal.init")
                        || !attributes.isRegularFile()) {
                    return FileVisitResult.CONTINUE;
                }
                Path copy = target.resolve(source.relativize(file).toString());
                try {
                    Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
                } catch (NoSuchFileException deletedMeanwhile) {
                    // A dropped table, a removed temporary file: replaying the WAL deletes it anyway.
                    return FileVisitResult.CONTINUE;
                }
                makePrivate(copy, FILE, runAs);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException problem) throws IOException {
                if (problem instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw problem;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path directory, IOException problem) throws IOException {
                if (problem != null && !(problem instanceof NoSuchFileException)) {
                    throw problem;
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void makePrivate(Path path, Set<PosixFilePermission> permissions, RunAs runAs)
            throws IOException {
        if (path.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(path, permissions);
        }
        runAs.handOver(path);
    }
}
