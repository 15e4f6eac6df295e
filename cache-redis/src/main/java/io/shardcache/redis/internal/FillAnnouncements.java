package io.shardcache.redis.internal;

import java.lang.System.Logger.Level;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * What lock waiters wait for: one Redis pub/sub channel per key prefix ({@code <prefix>locks}),
 * whose messages say that a lock was released ({@code R<lock key>}) or that the entry it guards
 * was filled ({@code F<lock key>}, sent before the release).
 *
 * <p>A fill announcement is what lets every waiting JVM read the new entry at once: woken by the
 * release alone, each waiter would take the lock in turn just to re-read the entry, and on a 4-JVM
 * stampede that hand-off took tens of milliseconds.
 *
 * <p>Both messages travel on one channel, so a subscriber hears them in the order they were
 * published: the fill first. A waiter registers before it tries the lock, so a message published
 * after its attempt reaches it. One published while the subscription is down (just after start,
 * while reconnecting) is lost: its waiters wake when a connection is lost or made again
 * ({@link #wakeAll}), or at the latest when the lock expires, as they would if its holder had died. The subscription is made when the backend starts and, if that failed (Redis down),
 * again when a waiter registers.
 *
 * <p>Thread-safe.
 */
final class FillAnnouncements {

    private static final System.Logger LOG = System.getLogger(FillAnnouncements.class.getName());

    private static final char FILLED = 'F';
    private static final char RELEASED = 'R';

    private final String channel;
    private final RTopic topic;
    /**
     * Waiters per lock key, each its own future, kept by identity; a set is mutated only inside
     * {@code compute} and read only after its removal.
     */
    private final ConcurrentHashMap<String, Set<CompletableFuture<Boolean>>> waiters = new ConcurrentHashMap<>();
    private final AtomicReference<CompletableFuture<?>> subscription = new AtomicReference<>();

    FillAnnouncements(RedissonClient redisson, String channel) {
        this.channel = channel;
        this.topic = redisson.getTopic(channel, StringCodec.INSTANCE);
        subscribe();
    }

    String channel() {
        return channel;
    }

    /**
     * Completes with true when a fill of {@code lockKey} is announced, with false when its release
     * is; pass it to {@link #forget} when done.
     */
    CompletableFuture<Boolean> watch(String lockKey) {
        subscribe();
        CompletableFuture<Boolean> heard = new CompletableFuture<>();
        waiters.compute(lockKey, (k, set) -> {
            Set<CompletableFuture<Boolean>> s = set == null ? Collections.newSetFromMap(new IdentityHashMap<>(2)) : set;
            s.add(heard);
            return s;
        });
        return heard;
    }

    @SuppressWarnings("UndefinedEquals")   // the set is by identity, and so is a future's equals: this very wait
    void forget(String lockKey, CompletableFuture<Boolean> heard) {
        waiters.computeIfPresent(lockKey, (k, set) -> {
            set.remove(heard);
            return set.isEmpty() ? null : set;
        });
    }

    /**
     * Ends every wait as a release would: each waiter tries again. For when messages may have been
     * lost (a connection dropped or was made again).
     */
    void wakeAll() {
        for (String lockKey : waiters.keySet()) {
            Set<CompletableFuture<Boolean>> set = waiters.remove(lockKey);
            if (set != null)
                for (CompletableFuture<Boolean> f : set)
                    f.complete(false);
        }
    }

    /** Publishes a fill ({@code filled}) or a release; the future completes when Redis has taken it. */
    CompletableFuture<Long> announce(String lockKey, boolean filled) {
        return topic.publishAsync((filled ? FILLED : RELEASED) + lockKey).toCompletableFuture();
    }

    /**
     * Publishes a release without waiting, best effort: waiters that miss it wake at the lock's
     * expiry. A failure is logged, as nobody waits to hear of it.
     */
    void announceReleaseInBackground(String lockKey) {
        CompletableFuture<Long> published;
        try {
            published = announce(lockKey, false);
        } catch (RuntimeException e) {
            published = CompletableFuture.failedFuture(e);
        }
        published.exceptionally(e -> {
            LOG.log(Level.DEBUG, () -> "announcing the release of " + lockKey + " on " + channel
                + " failed; its waiters wake when it expires", e);
            return null;
        });
    }

    /** Whether the subscription is active (for tests). */
    boolean subscribed() {
        CompletableFuture<?> s = subscription.get();
        return s != null && s.isDone() && !s.isCompletedExceptionally();
    }

    private void heard(String message) {
        if (message.isEmpty() || (message.charAt(0) != FILLED && message.charAt(0) != RELEASED))
            return;   // not ours: nothing else should publish here
        Set<CompletableFuture<Boolean>> set = waiters.remove(message.substring(1));
        if (set != null) {
            boolean filled = message.charAt(0) == FILLED;
            for (CompletableFuture<Boolean> f : set)
                f.complete(filled);
        }
    }

    /** Subscribes unless a subscription is active or under way; a failed one is tried again. */
    private void subscribe() {
        CompletableFuture<?> current = subscription.get();
        if (current != null && !current.isCompletedExceptionally())
            return;
        CompletableFuture<Object> attempt = new CompletableFuture<>();
        if (!subscription.compareAndSet(current, attempt))
            return;
        try {
            topic.addListenerAsync(String.class, (ch, message) -> heard(message))
                .whenComplete((id, failure) -> {
                    if (failure != null)
                        attempt.completeExceptionally(failure);
                    else
                        attempt.complete(id);
                });
        } catch (RuntimeException e) {   // lazy initialization connects on the caller's thread
            attempt.completeExceptionally(e);
        }
    }
}
