package io.shardcache.redis.internal;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.RedisPubSubListener;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.shardcache.query.spi.CacheBackend.Watcher;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The receiving end of a backend's change messages: one Lettuce pub/sub connection subscribed to
 * the backend's channel, whose messages are handed to every registered {@link Watcher}.
 *
 * <p><b>Messages.</b> {@code G<value> <counter>}: the counter (as its caller named it, without key
 * prefix) was incremented to {@code value}; {@code E<key>}: the entry under {@code key} (without
 * key prefix) was deleted or rewritten. The backend's scripts publish them in the same script as
 * the change itself. Anything else on the channel is ignored.
 *
 * <p><b>Liveness.</b> A watcher is told {@code connectionChanged(true)} when Redis confirms the
 * subscription (or at once, on registration, if it is already confirmed), and
 * {@code connectionChanged(false)} when the pub/sub connection drops: messages published while it
 * is down are lost for good (pub/sub is at most once), so a watcher must then forget what it
 * learnt. Lettuce reconnects and resubscribes by itself; its confirmation makes the feed live
 * again. Only transitions are reported: a watcher never hears {@code true} twice in a row.
 *
 * <p><b>Connecting.</b> Nothing happens until the first watcher registers; then a ticker on
 * Lettuce's event executor, every {@link LazyConnection#RETRY_AFTER}, connects if there is no
 * connection yet (Lettuce has no lazy first connect) and subscribes if the connection is up but
 * not subscribed (a subscription that never got confirmed is not one Lettuce renews). So a
 * registration never waits for Redis, and a feed started while Redis is down becomes live once
 * it is up.
 *
 * <p><b>How far it has caught up.</b> While live, a {@code PING} goes on the subscription every
 * {@value #HEARTBEAT_MILLIS} ms (one at a time). Redis answers it after every message it queued
 * for the connection before it, so its answer tells the watchers {@code caughtUp(t)}: every change
 * published before {@code t}, when it was sent, has been delivered. The subscription's confirmation
 * says so too, at once (a watcher registered while live hears the latest such time), so the bound
 * holds from the first moment, not only from the first heartbeat. A near cache refuses its copies
 * while it has not caught up to within its region's lag: a stalled or slow feed then costs hits
 * of the near cache, never stale ones.
 *
 * <p><b>Threads.</b> Messages, confirmations and drops arrive on Lettuce's event loop, one
 * connection's in order. Every call to a watcher is made under one lock, also the one a
 * registration takes, so a watcher registered while live hears {@code true} before any message,
 * and no message is delivered to it concurrently with another. Thread-safe.
 */
public final class ChangeFeed implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ChangeFeed.class.getName());

    /** First character of a message saying a counter was incremented. */
    public static final char GENERATION = 'G';
    /** First character of a message saying an entry was deleted or rewritten. */
    public static final char ENTRY = 'E';

    private final RedisClient client;
    private final List<RedisURI> uris;
    /** Attempts started so far: each tries the next URI, so a feed whose node is gone finds another. */
    private int attempts;
    /** How long a connection to one of several nodes may stay down before the feed tries the next. */
    static final Duration SWITCH_AFTER = Duration.ofSeconds(2);
    /** When the connection was first seen down, in {@link System#nanoTime()}; 0 while up. Guarded by {@code lock}. */
    private long downSince;
    private final String channel;
    private final ScheduledExecutorService scheduler;
    private final Listener listener = new Listener();
    /** How often a live feed asks how far it has caught up. */
    public static final long HEARTBEAT_MILLIS = 25;
    private @Nullable ScheduledFuture<?> heartbeat;   // guarded by lock
    private boolean pinging;                           // guarded by lock
    /** The latest time the feed was known caught up, in {@link System#nanoTime()}; guarded by {@code lock}. */
    private long caughtUpAt;

    private final Object lock = new Object();
    /** Added to and iterated under {@code lock}; copy-on-write so a watcher may register from inside a callback. */
    private final List<Watcher> watchers = new CopyOnWriteArrayList<>();
    // All guarded by lock.
    private boolean live;
    private boolean closed;
    private boolean connecting;
    private boolean subscribing;
    private @Nullable ScheduledFuture<?> ticker;
    private @Nullable StatefulRedisPubSubConnection<String, String> connection;

    /**
     * A feed of {@code channel}, heard through the first of {@code uris} that answers: one server, or
     * any node of a cluster (a cluster passes every message on to all of its nodes).
     */
    public ChangeFeed(RedisClient client, List<RedisURI> uris, String channel, ScheduledExecutorService scheduler) {
        this.client = client;
        this.uris = List.copyOf(uris);
        this.channel = channel;
        this.scheduler = scheduler;
    }

    /** The message for an entry deleted or rewritten under {@code key} (without key prefix). */
    public static byte[] entryMessage(String key) {
        return (ENTRY + key).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Registers {@code watcher}, telling it {@code connectionChanged(true)} at once if the feed is
     * live; the first registration starts connecting in the background.
     *
     * @return false if the feed is closed (the watcher is not registered)
     */
    public boolean add(Watcher watcher) {
        synchronized (lock) {
            if (closed)
                return false;
            watchers.add(watcher);
            if (live) {
                long at = caughtUpAt;
                tell(watcher, w -> w.connectionChanged(true));
                tell(watcher, w -> w.caughtUp(at));
            }
            if (ticker == null) {
                ticker = scheduler.scheduleWithFixedDelay(this::tick, 0, LazyConnection.RETRY_AFTER.toMillis(), TimeUnit.MILLISECONDS);
                heartbeat = scheduler.scheduleWithFixedDelay(this::ping, HEARTBEAT_MILLIS, HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
        return true;
    }

    /** Stops telling {@code watcher}; the connection stays open for the others (and for later ones). */
    public void remove(Watcher watcher) {
        synchronized (lock) {
            watchers.remove(watcher);
        }
    }

    /**
     * True if the connection, down and reconnected by Lettuce to its one node, should give way to a
     * connection to another node: it has been down for {@link #SWITCH_AFTER} and there is another
     * node to try (a cluster's node may be gone for good). Must hold {@code lock}.
     */
    private boolean abandon() {
        if (uris.size() < 2)
            return false;
        long now = System.nanoTime();
        if (downSince == 0) {
            downSince = now;
            return false;
        }
        return now - downSince >= SWITCH_AFTER.toNanos();
    }

    /** Connects or subscribes if need be and nothing of the kind is under way. */
    private void tick() {
        StatefulRedisPubSubConnection<String, String> c;
        synchronized (lock) {
            if (closed || live || connecting || subscribing)
                return;
            c = connection;
            if (c == null) {
                connecting = true;
            } else if (c.isOpen()) {
                downSince = 0;
                subscribing = true;
            } else if (!abandon()) {
                return;   // Lettuce is reconnecting; it resubscribes if it was subscribed, else a later tick does
            } else {
                connection = null;
                downSince = 0;
                discard(c);   // the next tick connects to the next node
                return;
            }
        }
        // connect and subscribe fail only through their futures; this guards the ticker itself,
        // which an escaping exception would stop for good.
        try {
            if (c == null)
                connect();
            else
                subscribe(c);
        } catch (RuntimeException e) {
            upkeepFailed(e, () -> {
                connecting = false;
                subscribing = false;
            });
        }
    }

    /**
     * Logs a failure of the feed's upkeep and runs {@code reset} under the lock, so that a later
     * tick tries again rather than wait for a step that will never end. Also for an exception thrown
     * by a callback on a Lettuce future, which nothing else would hear of.
     */
    private @Nullable Void upkeepFailed(Throwable failure, Runnable reset) {
        LOG.log(Level.WARNING, "pub/sub upkeep for " + channel + " failed; retrying", failure);
        synchronized (lock) {
            reset.run();
        }
        return null;
    }

    /** Closes a connection the feed no longer uses, without waiting: a failure to close it is only logged. */
    private void discard(StatefulRedisPubSubConnection<String, String> c) {
        c.closeAsync().exceptionally(e -> {
            LOG.log(Level.DEBUG, () -> "closing a pub/sub connection for " + channel + " failed", e);
            return null;
        });
    }

    private void connect() {
        CompletableFuture<StatefulRedisPubSubConnection<String, String>> attempt;
        try {
            RedisURI uri;
            synchronized (lock) {
                uri = uris.get(Math.floorMod(attempts++, uris.size()));
            }
            attempt = client.connectPubSubAsync(StringCodec.UTF8, uri).toCompletableFuture();
        } catch (RuntimeException e) {
            attempt = CompletableFuture.failedFuture(e);
        }
        attempt.handle((c, error) -> {
            if (error != null) {
                LOG.log(Level.DEBUG, () -> "pub/sub connection for " + channel + " failed; retrying in "
                    + LazyConnection.RETRY_AFTER.toMillis() + "ms", Failures.unwrap(error));
                synchronized (lock) {
                    connecting = false;
                }
                return null;
            }
            // Listeners first: no message can arrive before the SUBSCRIBE below, and a drop before
            // then needs no telling (nothing was live).
            c.addListener((RedisPubSubListener<String, String>) listener);
            c.addListener((RedisConnectionStateListener) listener);
            boolean keep;
            synchronized (lock) {
                connecting = false;
                keep = !closed;
                if (keep) {
                    connection = c;
                    subscribing = true;
                }
            }
            if (keep)
                subscribe(c);
            else
                discard(c);
            return null;
        }).exceptionally(bug -> upkeepFailed(bug, () -> connecting = false));
    }

    private void subscribe(StatefulRedisPubSubConnection<String, String> c) {
        CompletableFuture<Void> subscribed;
        try {
            subscribed = c.async().subscribe(channel).toCompletableFuture();
        } catch (RuntimeException e) {
            subscribed = CompletableFuture.failedFuture(e);
        }
        subscribed.handle((ok, error) -> {
            if (error != null)
                LOG.log(Level.DEBUG, () -> "SUBSCRIBE " + channel + " failed; retrying in "
                    + LazyConnection.RETRY_AFTER.toMillis() + "ms", Failures.unwrap(error));
            synchronized (lock) {
                subscribing = false;
            }
            return null;
        }).exceptionally(bug -> upkeepFailed(bug, () -> subscribing = false));
    }

    /** Sends a {@code PING} on the live subscription unless one is unanswered; its answer says how far the feed caught up. */
    private void ping() {
        StatefulRedisPubSubConnection<String, String> c;
        synchronized (lock) {
            c = connection;
            if (closed || !live || pinging || c == null || !c.isOpen())
                return;
            pinging = true;
        }
        long asked = System.nanoTime();
        CompletableFuture<String> pong;
        try {
            pong = c.async().ping().toCompletableFuture();
        } catch (RuntimeException e) {
            pong = CompletableFuture.failedFuture(e);
        }
        pong.handle((answer, error) -> {
            synchronized (lock) {
                pinging = false;
                // Only an answer on the connection that is live now, this very one: one from before a
                // drop says nothing of it.
                @SuppressWarnings("ReferenceEquality")
                boolean sameConnection = connection == c;
                if (error == null && live && sameConnection) {
                    caughtUpAt = asked;
                    tellAll(w -> w.caughtUp(asked));
                }
            }
            return null;
        }).exceptionally(bug -> upkeepFailed(bug, () -> pinging = false));
    }

    /** Parses one message; malformed or foreign ones are dropped (nothing of ours publishes them). */
    private void heard(String message) {
        if (message.isEmpty())
            return;
        switch (message.charAt(0)) {
            case GENERATION -> {
                int space = message.indexOf(' ');
                if (space < 2)
                    return;
                long value;
                try {
                    value = Long.parseLong(message, 1, space, 10);
                } catch (NumberFormatException e) {
                    return;
                }
                String counter = message.substring(space + 1);
                tellAll(w -> w.generationChanged(counter, value));
            }
            case ENTRY -> {
                String key = message.substring(1);
                tellAll(w -> w.entryChanged(key));
            }
            default -> {
                // not ours
            }
        }
    }

    private void becameLive(boolean isLive) {
        synchronized (lock) {
            if (closed || live == isLive)
                return;
            live = isLive;
            if (isLive)
                downSince = 0;   // a later drop counts from then, not from an earlier one Lettuce recovered
            tellAll(w -> w.connectionChanged(isLive));
            if (isLive) {
                // Confirmed just now: nothing published since the subscription took effect is waiting.
                // Said at once, so that a watcher that bounds its lag does so before the first heartbeat.
                long at = System.nanoTime();
                caughtUpAt = at;
                tellAll(w -> w.caughtUp(at));
            }
        }
    }

    private void tellAll(Consumer<Watcher> call) {
        synchronized (lock) {
            if (closed)
                return;
            for (Watcher w : watchers)
                tell(w, call);
        }
    }

    /** A watcher must not throw; one that does must not cost the others their message. */
    private static void tell(Watcher watcher, Consumer<Watcher> call) {
        try {
            call.accept(watcher);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cache watcher " + watcher + " failed", e);
        }
    }

    /** Closes the pub/sub connection; live watchers are told {@code connectionChanged(false)}: nothing more will come. Idempotent. */
    @Override
    public void close() {
        StatefulRedisPubSubConnection<String, String> c;
        synchronized (lock) {
            if (closed)
                return;
            if (live) {
                live = false;
                for (Watcher w : watchers)
                    tell(w, x -> x.connectionChanged(false));
            }
            closed = true;
            if (ticker != null)
                ticker.cancel(false);
            if (heartbeat != null)
                heartbeat.cancel(false);
            c = connection;
            connection = null;
        }
        // Outside the lock: closing fires the drop callback on Lettuce's thread, which takes it.
        if (c != null)
            c.close();
        // A connection attempt still in flight closes its connection itself when it lands (see connect).
    }

    private final class Listener extends RedisPubSubAdapter<String, String> implements RedisConnectionStateListener {

        @Override
        public void subscribed(String ch, long count) {
            if (channel.equals(ch))
                becameLive(true);
        }

        @Override
        public void message(String ch, String message) {
            if (channel.equals(ch))
                heard(message);
        }

        /** Registered on the pub/sub connection alone, so any drop here is the feed's. */
        @Override
        public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
            becameLive(false);
        }
    }
}
