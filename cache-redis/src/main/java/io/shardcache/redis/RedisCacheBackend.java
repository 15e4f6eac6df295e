package io.shardcache.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.MaintNotificationsConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.shardcache.query.CacheBackendException;
import io.shardcache.query.spi.CacheBackend;
import io.shardcache.query.spi.RegenerationLocks;
import io.shardcache.redis.internal.Failures;
import io.shardcache.redis.internal.LazyConnection;
import io.shardcache.redis.internal.RedisEndpoint;
import io.shardcache.redis.internal.RedissonLocks;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Cache entries, generation counters and regeneration locks in one Redis server, shared by every
 * process that points at it with the same {@linkplain Builder#keyPrefix(String) key prefix}.
 *
 * <pre>{@code
 * CachingDSL cached = CachingDSL.wrap(dsl, regions, RedisCacheBackend.create("redis://cache.internal:6379"));
 * }</pre>
 *
 * <p><b>Storage.</b> An entry is a Redis string under {@code <keyPrefix><region>:<generation>:<sha1>},
 * written with {@code SET ... PX <hard TTL>}, so Redis forgets it at the hard TTL; the bytes are
 * shardcache's own envelope, stored and returned verbatim. A generation counter is a Redis integer
 * under {@code <keyPrefix>gen:<counter>} ({@code GET}, absent = 0; {@code INCR}). Regeneration
 * locks are Redisson locks under {@code <keyPrefix><lock key>}; see {@link #locks()}.
 *
 * <p><b>Clients.</b> Values and counters go through one Lettuce connection (Lettuce multiplexes
 * all threads onto it), configured for a cache rather than a queue: commands are
 * {@linkplain io.lettuce.core.ClientOptions.DisconnectedBehavior#REJECT_COMMANDS rejected while
 * disconnected} (a write replayed after a reconnect could resurrect an entry invalidated in the
 * meantime), each times out after the {@linkplain Builder#commandTimeout command timeout}, at most
 * {@linkplain Builder#requestQueueSize(int) requestQueueSize} commands wait to be sent, and the
 * connection reconnects by itself (backing off up to one second). Locks go through a Redisson
 * client with the same server, credentials, timeout and no retries.
 *
 * <p><b>Failures.</b> Every method throws {@link CacheBackendException} when Redis is unreachable,
 * slow (no answer within the command timeout) or refuses the command; its message names the server
 * (never the password), the command, the key and the command timeout, and the Lettuce or Redisson
 * exception is its cause. No method blocks much longer than the command timeout, except
 * {@link RegenerationLocks#acquire}, which waits as long as it was asked to. Creating a backend
 * never connects synchronously: while Redis is down (even at start-up) calls fail fast, and they
 * work again once it is back, without a new backend.
 *
 * <p><b>Concurrency.</b> Thread-safe; share one instance per Redis server and key prefix in a
 * process. {@link #close()} releases the connections and threads it created; calls after it fail
 * with {@link CacheBackendException}.
 */
public final class RedisCacheBackend implements CacheBackend {

    /** The prefix of every key this backend writes unless {@link Builder#keyPrefix(String)} says otherwise. */
    public static final String DEFAULT_KEY_PREFIX = "shardcache:";

    /** How long a command may take before it fails; a cache that is slower than this is treated as down. */
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(200);

    /** How many commands may wait to be sent before new ones are refused. */
    public static final int DEFAULT_REQUEST_QUEUE_SIZE = 1024;

    /**
     * How soon a regeneration lock whose holder died is free again when its lease is longer than
     * this: see {@link Builder#lockWatchdogTimeout(Duration)}.
     */
    public static final Duration DEFAULT_LOCK_WATCHDOG_TIMEOUT = Duration.ofSeconds(10);

    private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);
    private static final String GENERATION_PREFIX = "gen:";

    private final RedisEndpoint endpoint;
    private final String keyPrefix;
    private final ClientResources resources;
    private final RedisClient client;
    private final LazyConnection connection;
    private final RedissonLocks locks;
    private final Failures failures;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RedisCacheBackend(RedisEndpoint endpoint, String keyPrefix, Duration commandTimeout, int requestQueueSize,
                              Duration lockWatchdogTimeout) {
        this.endpoint = endpoint;
        this.keyPrefix = keyPrefix;
        this.failures = new Failures(endpoint, commandTimeout);
        this.resources = ClientResources.builder()
            .ioThreadPoolSize(2)            // one connection needs one I/O thread; 2 is Lettuce's minimum
            .computationThreadPoolSize(2)
            .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
            .build();
        RedisClient lettuce = null;
        try {
            lettuce = RedisClient.create(resources, endpoint.lettuceUri(commandTimeout));
            lettuce.setOptions(ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .autoReconnect(true)
                .requestQueueSize(requestQueueSize)
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .socketOptions(SocketOptions.builder().connectTimeout(commandTimeout).build())
                // Maintenance notifications are a Redis Enterprise/Cloud handshake; plain Redis has nothing to say.
                .maintNotificationsConfig(MaintNotificationsConfig.disabled())
                .build());
            this.locks = new RedissonLocks(endpoint, keyPrefix, commandTimeout, lockWatchdogTimeout, failures);
        } catch (RuntimeException e) {
            if (lettuce != null)
                lettuce.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            resources.shutdown(0, 2, TimeUnit.SECONDS);
            throw e;
        }
        this.client = lettuce;
        this.connection = new LazyConnection(client, endpoint.lettuceUri(commandTimeout), CODEC, commandTimeout, failures);
        connection.connectInBackground();
    }

    /**
     * A backend for {@code redisUri} with every default: {@link #DEFAULT_KEY_PREFIX},
     * {@link #DEFAULT_COMMAND_TIMEOUT}, {@link #DEFAULT_REQUEST_QUEUE_SIZE},
     * {@link #DEFAULT_LOCK_WATCHDOG_TIMEOUT}.
     *
     * @param redisUri {@code redis://[[user]:password@]host[:port][/database]}, or {@code rediss://...} for TLS
     * @throws IllegalArgumentException if {@code redisUri} is not such a URI (the message names it, password masked)
     */
    public static RedisCacheBackend create(String redisUri) {
        return builder(redisUri).build();
    }

    /**
     * Settings for a backend on {@code redisUri}.
     *
     * @param redisUri {@code redis://[[user]:password@]host[:port][/database]}, or {@code rediss://...} for TLS
     * @throws IllegalArgumentException if {@code redisUri} is not such a URI (the message names it, password masked)
     */
    public static Builder builder(String redisUri) {
        return new Builder(RedisEndpoint.parse(redisUri));
    }

    @Override
    public byte[] get(String region, String key) {
        String k = entryKey(key);
        return call("GET", k, c -> c.get(k));
    }

    /** One {@code MGET} of both counters and the entry: a hit costs one round trip. */
    @Override
    public Read read(String region, String key, String generationCounter, String softCounter) {
        String g = counterKey(generationCounter);
        String s = counterKey(softCounter);
        String k = entryKey(key);
        java.util.List<io.lettuce.core.KeyValue<String, byte[]>> values = call("MGET", k, c -> c.mget(g, s, k));
        if (values.size() != 3)
            throw failures.of("MGET", k, "expected 3 values, got " + values.size());
        return new Read(counter(g, values.get(0)), counter(s, values.get(1)), values.get(2).getValueOrElse(null));
    }

    private long counter(String key, io.lettuce.core.KeyValue<String, byte[]> value) {
        return value.hasValue() ? parseCounter(key, value.getValue()) : 0;
    }

    private long parseCounter(String key, byte[] value) {
        String text = new String(value, StandardCharsets.US_ASCII);
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw failures.of("GET", key, "the counter holds '" + abbreviate(text) + "', not an integer");
        }
    }

    @Override
    public void put(String region, String key, byte[] entry, Duration timeToLive) {
        Objects.requireNonNull(entry, "entry");
        if (timeToLive.isNegative() || timeToLive.isZero())
            throw new IllegalArgumentException("timeToLive of an entry in region '" + region + "' must be positive, got " + timeToLive);
        String k = entryKey(key);
        // Redis counts in whole milliseconds; a TTL below one is rounded up rather than to "never expires".
        long px = Math.max(1, timeToLive.toMillis());
        call("SET PX " + px, k, c -> c.set(k, entry, SetArgs.Builder.px(px)));
    }

    @Override
    public boolean delete(String region, String key) {
        String k = entryKey(key);
        return call("DEL", k, c -> c.del(k)) > 0;
    }

    @Override
    public long generation(String counter) {
        String k = counterKey(counter);
        byte[] value = call("GET", k, c -> c.get(k));
        return value == null ? 0 : parseCounter(k, value);
    }

    @Override
    public long incrementGeneration(String counter) {
        String k = counterKey(counter);
        return call("INCR", k, c -> c.incr(k));
    }

    /**
     * Redisson locks under {@code <keyPrefix><lock key>}, exclusive across every process sharing the
     * server and prefix. Waiters are woken by the holder's release (Redis pub/sub), never by polling.
     * A lease may be released from any thread. A lease no longer than
     * {@link Builder#lockWatchdogTimeout(Duration) lockWatchdogTimeout} is the key's TTL; a longer one
     * is kept alive by Redisson's watchdog while its holder lives, so a dead holder's lock is free
     * within the watchdog timeout, and a live holder's ends at its lease at the latest.
     */
    @Override
    public RegenerationLocks locks() {
        return locks;
    }

    /** The server, e.g. {@code redis://10.0.0.5:6379}; never credentials. */
    @Override
    public String describe() {
        return endpoint.describe();
    }

    /** Closes the Lettuce connection and client and the Redisson client, and stops their threads. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true))
            return;
        try {
            locks.close();
        } finally {
            connection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }

    @Override
    public String toString() {
        return "RedisCacheBackend[" + describe() + ", keyPrefix=" + keyPrefix + "]";
    }

    private String entryKey(String key) {
        return keyPrefix + Objects.requireNonNull(key, "key");
    }

    private String counterKey(String counter) {
        return keyPrefix + GENERATION_PREFIX + Objects.requireNonNull(counter, "counter");
    }

    private <T> T call(String command, String key, Function<RedisCommands<String, byte[]>, T> op) {
        if (closed.get())
            throw failures.of(command, key, "the backend is closed");
        RedisCommands<String, byte[]> commands = connection.commands(command, key);
        try {
            return op.apply(commands);
        } catch (RedisException e) {   // timeouts, rejected while disconnected, queue full, server errors
            throw failures.of(command, key, e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    /**
     * Settings for {@link RedisCacheBackend}; each may be set once, and every value is checked when it
     * is set. Not thread-safe.
     */
    public static final class Builder {
        private final RedisEndpoint endpoint;
        private String keyPrefix;
        private Duration commandTimeout;
        private Integer requestQueueSize;
        private Duration lockWatchdogTimeout;

        private Builder(RedisEndpoint endpoint) {
            this.endpoint = endpoint;
        }

        /**
         * The prefix of every key this backend reads and writes, so that several applications (or
         * tests) can share one server; processes that must share entries use the same prefix.
         * Default {@link #DEFAULT_KEY_PREFIX}.
         */
        public Builder keyPrefix(String keyPrefix) {
            Objects.requireNonNull(keyPrefix, "keyPrefix");
            if (this.keyPrefix != null)
                throw new IllegalStateException("keyPrefix is already set to '" + this.keyPrefix + "'");
            if (keyPrefix.isEmpty())
                throw new IllegalArgumentException("keyPrefix must not be empty: shardcache's keys would mix with everything else on " + endpoint);
            this.keyPrefix = keyPrefix;
            return this;
        }

        /**
         * How long one command may take, from being issued to its answer, before it fails with
         * {@link CacheBackendException} (and the caller falls back to the database); also bounds
         * each connection attempt. Whole milliseconds, at least 1 ms. Default
         * {@link #DEFAULT_COMMAND_TIMEOUT}.
         */
        public Builder commandTimeout(Duration commandTimeout) {
            Objects.requireNonNull(commandTimeout, "commandTimeout");
            if (this.commandTimeout != null)
                throw new IllegalStateException("commandTimeout is already set to " + this.commandTimeout.toMillis() + "ms");
            if (commandTimeout.toMillis() < 1 || commandTimeout.toMillis() > Integer.MAX_VALUE)
                throw new IllegalArgumentException("commandTimeout must be between 1ms and " + Integer.MAX_VALUE + "ms, got " + commandTimeout);
            this.commandTimeout = commandTimeout;
            return this;
        }

        /**
         * How many commands may wait to be sent on the connection; further commands are refused at
         * once with {@link CacheBackendException} rather than queued behind a slow server.
         * Default {@link #DEFAULT_REQUEST_QUEUE_SIZE}.
         */
        public Builder requestQueueSize(int requestQueueSize) {
            if (this.requestQueueSize != null)
                throw new IllegalStateException("requestQueueSize is already set to " + this.requestQueueSize);
            if (requestQueueSize < 1)
                throw new IllegalArgumentException("requestQueueSize must be at least 1, got " + requestQueueSize);
            this.requestQueueSize = requestQueueSize;
            return this;
        }

        /**
         * Redisson's lock watchdog timeout. A regeneration lock whose lease is longer than this is
         * held with a Redis TTL of this much, renewed every third of it while its holder's process
         * lives: a holder that dies or freezes loses the lock after at most this long, while a live
         * one keeps it until it releases it or its lease runs out. Leases up to this long are plain
         * TTLs. Must be at least three command timeouts, so that a renewal can complete in time.
         * Default {@link #DEFAULT_LOCK_WATCHDOG_TIMEOUT}.
         */
        public Builder lockWatchdogTimeout(Duration lockWatchdogTimeout) {
            Objects.requireNonNull(lockWatchdogTimeout, "lockWatchdogTimeout");
            if (this.lockWatchdogTimeout != null)
                throw new IllegalStateException("lockWatchdogTimeout is already set to " + this.lockWatchdogTimeout.toMillis() + "ms");
            if (lockWatchdogTimeout.toMillis() < 1)
                throw new IllegalArgumentException("lockWatchdogTimeout must be at least 1ms, got " + lockWatchdogTimeout);
            this.lockWatchdogTimeout = lockWatchdogTimeout;
            return this;
        }

        /**
         * Creates the backend. It does not wait for Redis: a backend built while Redis is down
         * starts working when Redis comes up.
         *
         * @throws IllegalArgumentException if settings conflict (the message names both values)
         */
        public RedisCacheBackend build() {
            Duration timeout = commandTimeout != null ? commandTimeout : DEFAULT_COMMAND_TIMEOUT;
            Duration watchdog = lockWatchdogTimeout != null ? lockWatchdogTimeout : DEFAULT_LOCK_WATCHDOG_TIMEOUT;
            if (watchdog.compareTo(timeout.multipliedBy(3)) < 0)
                throw new IllegalArgumentException("lockWatchdogTimeout " + watchdog.toMillis()
                    + "ms is shorter than 3 x commandTimeout " + timeout.toMillis()
                    + "ms: a lock renewal, sent every third of the watchdog timeout, could time out after the lock expired");
            return new RedisCacheBackend(endpoint, keyPrefix != null ? keyPrefix : DEFAULT_KEY_PREFIX, timeout,
                requestQueueSize != null ? requestQueueSize : DEFAULT_REQUEST_QUEUE_SIZE, watchdog);
        }
    }
}
