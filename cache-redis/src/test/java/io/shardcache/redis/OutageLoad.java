package io.shardcache.redis;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardcache.query.CachingDSL;
import io.shardcache.query.Db;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.TestSchema;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.TestInfo;

/**
 * What {@link RedisSentinelIT} and {@link RedisRestartGapIT} set up alike: the test's key prefix and
 * database, the servers, backends and caching DSLs it makes (closed in the reverse order, then the
 * database), and the load it keeps on them while Redis goes away: a {@link VersionedWriter} on row
 * {@link #ID_WRITTEN} and reader threads, which count their reads and collect what reaches them, all
 * stopped together.
 */
final class OutageLoad implements AutoCloseable {

    /** The row the writer writes. */
    static final int ID_WRITTEN = 7;

    final String prefix;
    final Db db;
    /** What reached a caller, in the writer or in a reader. */
    final Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
    /** Reads done by the readers, failed or not. */
    final AtomicLong reads = new AtomicLong();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    OutageLoad(TestSchema schema, TestInfo test) throws SQLException {
        this.prefix = RedisService.uniquePrefix(test.getTestClass().orElseThrow().getSimpleName() + "."
            + test.getTestMethod().orElseThrow().getName());
        this.db = new Db(schema, 8);
    }

    /** Closes {@code c} when the test ends, before what was registered earlier. */
    <T extends AutoCloseable> T closeLater(T c) {
        closing.add(c);
        return c;
    }

    /** Names row {@link #ID_WRITTEN} {@code v0}, then writes {@code v1}, {@code v2}, ... through {@code writer}. */
    VersionedWriter startWriter(CachingDSL writer, long pauseMillis) {
        writer.dsl().update(ITEMS).set(NAME, "v0").where(ID.eq(ID_WRITTEN)).execute();
        VersionedWriter versions = VersionedWriter.start(writer, ID_WRITTEN, pauseMillis, stop, errors);
        threads.add(versions.thread());
        return versions;
    }

    /** A reader's read, done again and again until the load stops. */
    @FunctionalInterface
    interface Read {
        void run() throws Exception;
    }

    /** Starts a thread named {@code name} that does {@code read} until the load stops. */
    void startReader(String name, Read read) {
        threads.add(Thread.ofPlatform().name(name).start(() -> {
            while (!stop.get()) {
                try {
                    read.run();
                } catch (Throwable t) {
                    errors.add(t);
                }
                reads.incrementAndGet();
            }
        }));
    }

    /** Stops the writer and the readers; each must end within 15 s. */
    void stop() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(15));
            assertThat(t.isAlive()).as("%s still busy 15 s after being told to stop", t.getName()).isFalse();
        }
    }

    /** Stops the load if the test did not get that far, and closes what it made. */
    @Override
    public void close() throws Exception {
        stop.set(true);
        for (AutoCloseable c : closing.reversed())
            c.close();
        db.close();
    }
}
