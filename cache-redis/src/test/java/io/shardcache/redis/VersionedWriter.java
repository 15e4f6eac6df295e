package io.shardcache.redis;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;

import io.shardcache.query.CachingDSL;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A thread that writes one row's name as {@code v1}, {@code v2}, ... through a caching DSL, and
 * records the last version whose commit had returned and when each did: what a read that began
 * later must not be older than. For the tests that count stale reads across JVMs.
 */
final class VersionedWriter {

    private final AtomicLong committed = new AtomicLong();
    private final ConcurrentHashMap<Long, Long> committedAt = new ConcurrentHashMap<>();
    private final Thread thread;

    private VersionedWriter(CachingDSL writer, int id, long pauseMillis, AtomicBoolean stop, Queue<Throwable> errors) {
        this.thread = Thread.ofPlatform().name("writer").start(() -> {
            for (long n = 1; !stop.get(); n++) {
                try {
                    writer.dsl().update(ITEMS).set(NAME, "v" + n).where(ID.eq(id)).execute();
                    committedAt.put(n, System.nanoTime());
                    committed.set(n);
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException e) {
                    return;
                } catch (Throwable t) {
                    errors.add(t);
                }
            }
        });
    }

    /** Starts writing row {@code id} every {@code pauseMillis} until {@code stop}; failures go to {@code errors}. */
    static VersionedWriter start(CachingDSL writer, int id, long pauseMillis, AtomicBoolean stop, Queue<Throwable> errors) {
        return new VersionedWriter(writer, id, pauseMillis, stop, errors);
    }

    Thread thread() {
        return thread;
    }

    /** The last version whose commit had returned. */
    long committed() {
        return committed.get();
    }

    /** When the commit of {@code version} returned ({@link System#nanoTime()}), or null if it has not. */
    Long committedAt(long version) {
        return committedAt.get(version);
    }

    /** The version in a name the writer wrote; 0 for the row's first name. */
    static long version(String name) {
        return name.startsWith("v") ? Long.parseLong(name.substring(1)) : 0;
    }
}
