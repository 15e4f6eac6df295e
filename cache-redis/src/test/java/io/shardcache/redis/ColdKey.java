package io.shardcache.redis;

import static io.shardcache.query.Items.NAME;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardcache.query.CachingDSL;
import io.shardcache.query.Db;
import io.shardcache.query.RegionStats;
import io.shardcache.testing.Gate;
import java.util.List;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.jooq.Record2;
import org.jooq.Result;

/** Single flight across processes: 64 callers in two processes on one cold key of region {@code items}. */
final class ColdKey {

    private ColdKey() {
    }

    /**
     * Runs {@code read} (item 7, counted by PostgreSQL under {@code counter}) from 64 threads over
     * the two processes at once, and checks that the database ran it once and everybody got its row.
     */
    static void runsOnce(Db db, List<CachingDSL> processes, String counter,
                         Function<CachingDSL, Result<Record2<String, Integer>>> read) throws Exception {
        List<Future<Result<Record2<String, Integer>>>> results = Gate.run(64, i -> read.apply(processes.get(i % 2)));

        assertThat(db.executions(counter)).as("PostgreSQL executions across both processes").isEqualTo(1);
        for (Future<Result<Record2<String, Integer>>> f : results)
            assertThat(f.get().getValues(NAME)).containsExactly("item 7");
        RegionStats a = processes.get(0).stats("items"), b = processes.get(1).stats("items");
        assertThat(a.regenerations() + b.regenerations()).isEqualTo(1);
        assertThat(a.backendErrors() + b.backendErrors()).isZero();
    }
}
