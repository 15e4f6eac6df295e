package io.shardcache.testing.internal;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Who runs PostgreSQL's programs. {@code initdb}, {@code pg_ctl} and {@code postgres} refuse to run as
 * root, and CI containers usually are root; then each program is started through {@code setpriv} (or
 * {@code runuser}) as an unprivileged account from {@code /etc/passwd}, and the directories it writes are
 * handed to that account. For any other user the programs run as that user, unchanged.
 *
 * <p>Not for use outside shardcache's test-support.
 *
 * @param prefix  what to put before a program's path on its command line; empty when not dropping
 * @param account the account the programs run as
 * @param uid     that account's uid, or -1 when not dropping privileges
 * @param gid     that account's primary gid, or -1 when not dropping privileges
 */
record RunAs(List<String> prefix, String account, int uid, int gid) {
    /** Preferred unprivileged accounts, in order. */
    static final List<String> ACCOUNTS = List.of("nobody", "postgres");

    /** An account line of {@code /etc/passwd}. */
    record Account(String name, int uid, int gid) {
    }

    static RunAs detect() throws IOException {
        if (!isRoot()) {
            return new RunAs(List.of(), System.getProperty("user.name"), -1, -1);
        }
        Path passwd = Path.of("/etc/passwd");
        Account account = pickAccount(Files.readAllLines(passwd)).orElseThrow(() -> new IOException(
                "this JVM runs as root, which initdb and postgres refuse, and " + passwd
                        + " has no unprivileged account to run them as (looked for " + ACCOUNTS + ")"));
        return forRoot(account, executable("setpriv"), executable("runuser"));
    }

    static RunAs forRoot(Account account, Optional<Path> setpriv, Optional<Path> runuser) throws IOException {
        List<String> prefix;
        if (setpriv.isPresent()) {
            // Numeric ids: a group named after the account need not exist (Debian's nobody is in nogroup).
            prefix = List.of(setpriv.get().toString(), "--reuid=" + account.uid(), "--regid=" + account.gid(),
                    "--clear-groups", "--");
        } else if (runuser.isPresent()) {
            prefix = List.of(runuser.get().toString(), "-u", account.name(), "--");
        } else {
            throw new IOException("this JVM runs as root, which initdb and postgres refuse, and neither setpriv "
                    + "nor runuser (util-linux) is on the PATH to run them as " + account.name()
                    + "; install util-linux, run the build as another user, or set SHARDCACHE_PG_URL");
        }
        return new RunAs(prefix, account.name(), account.uid(), account.gid());
    }

    /** The first of {@link #ACCOUNTS} that exists and is not uid 0. */
    static Optional<Account> pickAccount(List<String> passwdLines) {
        List<Account> accounts = passwdLines.stream()
                .filter(line -> !line.isBlank() && !line.startsWith("#"))
                .map(line -> line.split(":", -1))
                .filter(fields -> fields.length >= 4 && fields[2].matches("\\d+") && fields[3].matches("\\d+"))
                .map(fields -> new Account(fields[0], Integer.parseInt(fields[2]), Integer.parseInt(fields[3])))
                .filter(account -> account.uid() != 0)
                .toList();
        return ACCOUNTS.stream()
                .flatMap(name -> accounts.stream().filter(account -> account.name().equals(name)))
                .findFirst();
    }

    boolean dropsPrivileges() {
        return uid >= 0;
    }

    /** Gives a directory (or file) this JVM created to the account, so the programs may write in it. */
    void handOver(Path path) throws IOException {
        if (dropsPrivileges()) {
            Files.setAttribute(path, "unix:uid", uid);
            Files.setAttribute(path, "unix:gid", gid);
        }
    }

    /** The command line that runs {@code program} as {@link #account()}. */
    List<String> command(Path program, List<String> arguments) {
        return Stream.of(prefix.stream(), Stream.of(program.toString()), arguments.stream())
                .flatMap(s -> s).toList();
    }

    private static boolean isRoot() {
        if (File.separatorChar != '/') {
            return false;
        }
        try {
            return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
        } catch (LinkageError e) {
            // No jdk.security.auth module in this runtime: fall back to what the kernel shows us.
            try {
                return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
            } catch (IOException | UnsupportedOperationException | IllegalArgumentException ignored) {
                return false;
            }
        }
    }

    private static Optional<Path> executable(String name) {
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.concat(Stream.of(path.split(File.pathSeparator)), Stream.of("/usr/bin", "/bin", "/usr/sbin",
                        "/sbin"))
                .filter(directory -> !directory.isEmpty())
                .map(directory -> Path.of(directory, name))
                .filter(Files::isExecutable)
                .findFirst();
    }
}
