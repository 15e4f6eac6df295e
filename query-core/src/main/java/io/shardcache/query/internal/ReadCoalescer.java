package io.shardcache.query.internal;

import io.shardcache.query.CacheBackendException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Concurrent reads of one key in this JVM share one backend read: a hot key's 200 concurrent callers send one
 * or two reads, not 200. A caller shares only a read <em>sent after it started</em> ({@link #start()}, taken
 * once the caller's own writes' bumps reached the backend): one sent earlier may have left before a write this
 * JVM committed or before a bump of another JVM's write that the caller has heard of. Such a caller waits for
 * that read to land and shares the next one, which every caller waiting for it joined before it was sent; of
 * those, the first to arrive sends it.
 *
 * <p>Invariant: a key's slot holds at most one read in flight (with the number it was sent under) and at most
 * one read waiting to be sent; the waiting one is sent by its sender as soon as the one in flight landed,
 * whatever its outcome, and no caller joins a read once it has been sent unless it started before that. A slot
 * with neither is removed, by the sender of its last read. A failed read fails each caller that shared it.
 * Thread-safe.
 *
 * @param <K> the read's key: equal keys are the same read
 * @param <V> what the read returns; shared between callers, so immutable or not changed by them
 */
final class ReadCoalescer<K, V> {

    /** The read itself. */
    interface Read<V> {
        V run();
    }

    /** Told when a caller shares a read another caller sent. */
    interface Counter {
        void coalesced();
    }

    private static final class Slot<V> {
        /** The read on its way to the backend, or null. */
        @Nullable CompletableFuture<V> sent;
        /** The number {@link #sent} was sent under. */
        long sentAs;
        /** The read that callers are joining, sent when {@link #sent} lands; or null. */
        @Nullable CompletableFuture<V> next;
        /** Set when the slot left the map: a caller that found it before must take a new one. */
        boolean removed;
    }

    private final ConcurrentHashMap<K, Slot<V>> slots = new ConcurrentHashMap<>();
    /** Numbers reads in the order they are sent; a caller's start is the number last given out. */
    private final AtomicLong sends = new AtomicLong();

    /**
     * The caller's start, to give to {@link #read}: reads sent from now on may be shared with it. Take it once
     * whatever the read must see has reached the backend.
     */
    long start() {
        return sends.get();
    }

    /**
     * Runs {@code read} for {@code key}, or shares the value of a read of the same key sent after
     * {@code started}.
     *
     * @throws CacheBackendException what the shared read threw, if it threw that
     * @throws RuntimeException      what {@code read} threw
     */
    V read(K key, long started, Read<V> read, Counter counter) {
        while (true) {
            Slot<V> slot = slots.computeIfAbsent(key, k -> new Slot<>());
            CompletableFuture<V> mine;
            @Nullable CompletableFuture<V> before = null;
            boolean sends;
            synchronized (slot) {
                if (slot.removed)
                    continue;
                if (slot.sent != null && slot.sentAs > started) {
                    mine = slot.sent;
                    sends = false;
                } else if (slot.next != null) {
                    mine = slot.next;
                    sends = false;
                } else if (slot.sent != null) {
                    before = slot.sent;
                    mine = slot.next = new CompletableFuture<>();
                    sends = true;
                } else {
                    mine = slot.sent = new CompletableFuture<>();
                    slot.sentAs = this.sends.incrementAndGet();
                    sends = true;
                }
            }
            if (!sends) {
                counter.coalesced();
                return await(mine);
            }
            if (before != null) {
                awaitLanding(before);
                synchronized (slot) {
                    slot.sent = mine;
                    slot.sentAs = this.sends.incrementAndGet();
                    slot.next = null;
                }
            }
            return send(key, slot, mine, read);
        }
    }

    /** How many keys have a read in flight or waiting; for tests. */
    int keysInFlight() {
        return slots.size();
    }

    private V send(K key, Slot<V> slot, CompletableFuture<V> mine, Read<V> read) {
        try {
            V value = read.run();
            mine.complete(value);
            return value;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            synchronized (slot) {
                if (slot.sent == mine) {
                    slot.sent = null;
                    if (slot.next == null) {
                        slot.removed = true;
                        slots.remove(key, slot);
                    }
                }
            }
        }
    }

    /** Waits for a read sent before this caller arrived, whatever it returns: its value is not this caller's. */
    private static void awaitLanding(CompletableFuture<?> before) {
        boolean interrupted = false;
        while (true) {
            try {
                before.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;   // the read in flight is bounded by the backend's timeout: wait it out
            } catch (ExecutionException e) {
                break;
            }
        }
        if (interrupted)
            Thread.currentThread().interrupt();
    }

    private static <V> V await(CompletableFuture<V> shared) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return shared.get();
                } catch (InterruptedException e) {
                    interrupted = true;   // bounded by the backend's timeout, as the sender's own call is
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof CacheBackendException c)
                        throw new CacheBackendException("a read shared with another caller failed: " + c.getMessage(), c);
                    if (cause instanceof RuntimeException r)
                        throw r;
                    if (cause instanceof Error err)
                        throw err;
                    throw new IllegalStateException(cause);
                }
            }
        } finally {
            if (interrupted)
                Thread.currentThread().interrupt();
        }
    }
}
