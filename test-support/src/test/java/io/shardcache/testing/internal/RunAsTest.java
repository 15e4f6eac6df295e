package io.shardcache.testing.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RunAsTest {
    private static final List<String> PASSWD = List.of(
            "root:x:0:0:root:/root:/bin/bash",
            "# a comment",
            "postgres:x:105:110:PostgreSQL administrator:/var/lib/postgresql:/bin/bash",
            "broken line",
            "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin");

    @Test
    void prefersNobodyOverPostgres() {
        assertThat(RunAs.pickAccount(PASSWD)).contains(new RunAs.Account("nobody", 65534, 65534));
        assertThat(RunAs.pickAccount(PASSWD.subList(0, 4))).contains(new RunAs.Account("postgres", 105, 110));
    }

    @Test
    void neverPicksUidZeroWhateverItsName() {
        assertThat(RunAs.pickAccount(List.of("root:x:0:0::/root:/bin/sh", "nobody:x:0:0::/:/bin/sh"))).isEmpty();
    }

    @Test
    void setprivGetsNumericIdsSoNoGroupNameIsNeeded() throws IOException {
        RunAs runAs = RunAs.forRoot(new RunAs.Account("nobody", 65534, 65534),
                Optional.of(Path.of("/usr/bin/setpriv")), Optional.of(Path.of("/usr/sbin/runuser")));

        assertThat(runAs.dropsPrivileges()).isTrue();
        assertThat(runAs.command(Path.of("/pg/bin/initdb"), List.of("-D", "/d")))
                .containsExactly("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
                        "/pg/bin/initdb", "-D", "/d");
    }

    @Test
    void runuserWhenThereIsNoSetpriv() throws IOException {
        RunAs runAs = RunAs.forRoot(new RunAs.Account("nobody", 65534, 65534), Optional.empty(),
                Optional.of(Path.of("/usr/sbin/runuser")));

        assertThat(runAs.prefix()).containsExactly("/usr/sbin/runuser", "-u", "nobody", "--");
    }

    @Test
    void withoutEitherToolTheErrorSaysWhatToDo() {
        assertThatThrownBy(() -> RunAs.forRoot(new RunAs.Account("nobody", 65534, 65534), Optional.empty(),
                Optional.empty()))
                .hasMessageContaining("neither setpriv nor runuser")
                .hasMessageContaining("SHARDCACHE_PG_URL");
    }
}
