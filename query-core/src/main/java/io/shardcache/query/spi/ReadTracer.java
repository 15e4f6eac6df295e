package io.shardcache.query.spi;

import io.shardcache.query.CacheKey;

/**
 * Traces what a cached read does, for a tracing system (Micrometer's Observation API in shardcache's
 * micrometer module): a span for each read through the cache ({@link #READ}, with its outcome), and inside
 * it one for the wait for the regeneration lock ({@link #LOCK_WAIT}) and one for the query that
 * regenerates the entry ({@link #REGENERATE}).
 *
 * <p>Spans are started and ended on the calling thread, nested as they are called: a tracer that keeps a
 * current span per thread (as Micrometer's does) gets the read under the caller's span, and the lock wait
 * and regeneration under the read. A regeneration in the background (async refresh) starts on its own
 * thread, under no read. Called on every cached read: {@link #NONE} costs nothing, and an implementation
 * must be cheap and must not throw.
 */
public interface ReadTracer {

    /** A read through the cache; its outcome is {@code hit}, {@code stale}, {@code miss} or {@code bypass}. */
    String READ = "shardcache.read";
    /** The wait for the regeneration lock; its outcome is {@code acquired}, {@code filled} or {@code timed-out}. */
    String LOCK_WAIT = "shardcache.lock.wait";
    /** The query that (re)computes an entry. */
    String REGENERATE = "shardcache.regenerate";

    /** Traces nothing. */
    ReadTracer NONE = (name, key) -> Span.NONE;

    /** Starts span {@code name} ({@link #READ}, {@link #LOCK_WAIT} or {@link #REGENERATE}) for {@code key}. */
    Span start(String name, CacheKey key);

    /** One started span: given an outcome or a failure, then ended once. */
    interface Span {

        /** A span that records nothing. */
        Span NONE = new Span() { };

        /** What the span's operation came to; see the span names for the values. */
        default void outcome(String outcome) {
        }

        /** The operation threw {@code error}. */
        default void failed(Throwable error) {
        }

        /** The operation is over. */
        default void end() {
        }
    }
}
