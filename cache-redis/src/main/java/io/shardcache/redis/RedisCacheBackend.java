package io.shardcache.redis;

import io.lettuce.core.KeyValue;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.shardcache.query.CacheBackendException;
import io.shardcache.query.internal.CloseAll;
import io.shardcache.query.spi.CacheBackend;
import io.shardcache.query.spi.CacheListener;
import io.shardcache.query.spi.Circuit;
import io.shardcache.query.spi.CircuitSettings;
import io.shardcache.query.spi.RegenerationLocks;
import io.shardcache.redis.internal.ChangeFeed;
import io.shardcache.redis.internal.CircuitLocks;
import io.shardcache.redis.internal.Failures;
import io.shardcache.redis.internal.LazyConnection;
import io.shardcache.redis.internal.LettuceClients;
import io.shardcache.redis.internal.MasterCircuits;
import io.shardcache.redis.internal.RedisCalls;
import io.shardcache.redis.internal.RedisScripts;
import io.shardcache.redis.internal.RedisServers;
import io.shardcache.redis.internal.RedissonLocks;
import io.shardcache.redis.internal.TrustedCertificates;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;

/**
 * Cache entries, generation counters and regeneration locks in one Redis server, a Sentinel-managed
 * master or one Redis Cluster, shared by every process that points at it with the same
 * {@linkplain Builder#keyPrefix(String) key prefix}.
 *
 * <pre>{@code
 * CachingDSL cached = CachingDSL.wrap(dsl, regions, RedisCacheBackend.create("redis://cache.internal:6379"));
 * RedisCacheBackend onCluster = RedisCacheBackend.clusterBuilder(List.of(
 *     "redis://cache-1.internal:6379", "redis://cache-2.internal:6379")).build();
 * }</pre>
 *
 * <p>The keys, scripts, change messages and client settings are described for operators in the
 * README ("Redis, for operators"); in short: {@link #read} is one {@code MGET} of the counters and
 * the entry; {@link #putIfGenerations}, {@link #incrementGenerations} and {@link #delete} are Lua
 * scripts ({@code RedisScripts}) that also publish what changed on {@code <keyPrefix>generations}, which
 * a {@linkplain #watch watcher} hears; locks are Redisson's ({@link #locks()}).
 *
 * <p><b>Where the code is.</b> This class is the adapter from {@link CacheBackend} to Redis commands,
 * and its {@link Builder}; over 500 lines because the builder's settings are documented where they are
 * set. Client set-up is {@code LettuceClients}; how a call is made, mapped to a
 * {@link CacheBackendException} and counted against a cluster master's circuit is {@code RedisCalls};
 * the scripts and the counters' format are {@code RedisScripts}; locks are {@code RedissonLocks};
 * change messages are {@code ChangeFeed} (all in {@code io.shardcache.redis.internal}).
 *
 * <p><b>Watchers.</b> A watcher hears change messages through a pub/sub connection of the backend's
 * own, opened in the background on the first {@code watch} (never waiting for Redis), on one Lettuce
 * thread, in the order Redis published them. Pub/sub is at most once: a message published while that
 * connection is down is lost, so a watcher is told {@code connectionChanged(false)} when it drops and
 * must then forget what it learnt, and {@code connectionChanged(true)} once the subscription is
 * confirmed again. A watcher registered while the subscription is live is told
 * {@code connectionChanged(true)} at once, before any message; one registered while Redis is down
 * stays unaware until the subscription is made.
 *
 * <p><b>Redis Sentinel.</b> {@link #sentinelBuilder} (or a {@code redis-sentinel://} URI) finds the
 * master through Sentinels; after a failover both clients reach the new master (within a
 * reconnection and Redisson's 500 ms scan), and the change feed subscribes again. Replicas are
 * written asynchronously: a failover may lose the last bumps; {@link Builder#replicatedBumps} makes
 * each bump wait for replicas.
 *
 * <p><b>Redis Cluster.</b> {@link #clusterBuilder} takes some of the cluster's nodes as seeds and
 * discovers the rest. The keys are the same as on one server and hash to their own slots. What changes:
 * <ul>
 * <li>a {@link #read} or {@link #readAll} is one {@code MGET} per hash slot of its keys, all sent at
 *     once, so a hit still costs one round trip; its counters and entry are then not read at one
 *     instant, which is safe: an entry is served only while the generations it records are the ones
 *     the reader read, whichever was read first;</li>
 * <li>{@link #putIfGenerations} compares the counters in the entry's slot in its script, and the
 *     others by an {@code MGET} just before; a counter that moves in between lets in an entry that
 *     no reader serves, for the same reason;</li>
 * <li>{@link #incrementGenerations} runs one script per slot of the counters;</li>
 * <li>change messages are published cluster-wide (classic pub/sub), and the subscription is made on
 *     one node, moving to the next seed when that node stays unreachable for two seconds. A master
 *     that fails before its messages crossed the cluster bus loses them without that subscription
 *     dropping, so a near cache may serve its copies for up to its {@code nearCacheMaxAge}: keep
 *     that short on a cluster;</li>
 * <li>a master that is down costs what lives on it: reads whose entry, counters or lock hash there
 *     go to the database. Each master has a circuit breaker of its own
 *     ({@link Builder#circuitBreakerPerServer}): each part of a call is counted against its master,
 *     so a master down opens its circuit alone, and the others' keys keep hitting.</li>
 * </ul>
 *
 * <p><b>Counters that are lost or damaged.</b> A read that finds a counter missing (never bumped, or
 * lost with a server restarted empty, a failover or an eviction) or holding a non-integer sets it to
 * the server's clock in microseconds first, in one more round trip (a damaged one is also logged and
 * counted: {@link #countersRepaired()}); a bump moves a counter to at least the clock. So a counter
 * never reads as a value it had before it was lost, and an entry that recorded the old value is
 * never served.
 *
 * <p><b>Failures.</b> Every method throws {@link CacheBackendException} when Redis is unreachable,
 * slow (no answer within the command timeout) or refuses the command; its message names the server
 * (never the password), the command, the key and the command timeout, and the Lettuce or Redisson
 * exception is its cause. No method blocks much longer than the command timeout, except
 * {@link RegenerationLocks#acquire}, which waits as long as it was asked to, and a call that takes
 * two commands: a read that finds a counter missing (it creates it), a bump with
 * {@link Builder#replicatedBumps} (its {@code WAIT}), each at most two command timeouts. Creating a
 * backend never connects synchronously: while Redis is down (even at start-up) calls fail fast, and
 * they work again once it is back, without a new backend.
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

    /** How many connections reads are spread over: see {@link Builder#readConnections(int)}. */
    public static final int DEFAULT_READ_CONNECTIONS = 1;

    /** The most {@link Builder#readConnections(int)} accepts. */
    public static final int MAX_READ_CONNECTIONS = 64;

    /**
     * How soon a regeneration lock whose holder died is free again when its lease is longer than
     * this: see {@link Builder#lockWatchdogTimeout(Duration)}.
     */
    public static final Duration DEFAULT_LOCK_WATCHDOG_TIMEOUT = Duration.ofSeconds(10);

    private static final String GENERATION_PREFIX = "gen:";
    private static final System.Logger LOG = System.getLogger(RedisCacheBackend.class.getName());
    private static final String CHANNEL = "generations";

    private final RedisServers servers;
    private final String keyPrefix;
    /** The Lettuce clients and their threads. */
    private final LettuceClients clients;
    private final LazyConnection connection;
    /**
     * The connections reads ({@code MGET}, {@code GET}) are spread over, the first being {@link #connection};
     * writes stay on that one. A write returns only once Redis answered it, so a read sent after it on any
     * connection sees it.
     */
    private final LazyConnection[] readers;
    /**
     * Where generation bumps go when they must reach replicas: a connection of their own, since
     * {@code WAIT} holds its connection, and every read multiplexed on it, until the replicas answer.
     * Null when bumps are not replicated.
     */
    private final @Nullable LazyConnection bumps;
    private final @Nullable Replication replication;
    private final RedissonLocks locks;
    private final Failures failures;
    private final String channel;
    private final byte[] channelBytes;
    private final ChangeFeed feed;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** On a cluster, a circuit breaker per master unless the builder said none; else null. */
    private final @Nullable MasterCircuits circuits;
    private final RegenerationLocks calledLocks;
    private final RedisCalls calls;
    private final java.util.concurrent.atomic.AtomicLong countersRepaired = new java.util.concurrent.atomic.AtomicLong();

    /** How many replicas a bump must reach, and how long to wait for them; see {@link Builder#replicatedBumps}. */
    private record Replication(int replicas, Duration timeout) {
    }

    private RedisCacheBackend(RedisServers servers, String keyPrefix, Duration commandTimeout, int requestQueueSize,
                              int readConnections, Duration lockWatchdogTimeout, @Nullable Object meterRegistry, @Nullable TrustManagerFactory trust,
                              @Nullable Replication replication, @Nullable CircuitSettings breakers) {
        this.servers = servers;
        this.replication = replication;
        this.keyPrefix = keyPrefix;
        this.channel = keyPrefix + CHANNEL;
        this.channelBytes = channel.getBytes(StandardCharsets.UTF_8);
        this.failures = new Failures(servers, commandTimeout);
        this.clients = LettuceClients.create(servers, commandTimeout, requestQueueSize, readConnections, meterRegistry, trust);
        try {
            this.locks = new RedissonLocks(servers, keyPrefix, commandTimeout, lockWatchdogTimeout, failures, trust);
        } catch (RuntimeException e) {
            clients.close();
            throw e;
        }
        this.connection = clients.lazyConnection(failures);
        connection.connectInBackground();
        this.readers = new LazyConnection[readConnections];
        readers[0] = connection;
        for (int i = 1; i < readConnections; i++) {
            readers[i] = clients.lazyConnection(failures);
            readers[i].connectInBackground();
        }
        this.bumps = replication == null ? null : clients.lazyConnection(failures);
        if (bumps != null)
            bumps.connectInBackground();
        this.feed = clients.changeFeed(channel);
        if (breakers != null && clients.values() instanceof RedisClusterClient c) {
            LazyConnection made = connection;
            // Only once connected: before that, asking the client for its topology would load it, blocking the caller.
            this.circuits = new MasterCircuits(() -> made.isConnected() ? c.getPartitions() : null, servers.describe(), servers.tls(),
                breakers.failures(), breakers.openFor(), breakers.listener());
            this.calledLocks = new CircuitLocks(locks, circuits, keyPrefix);
        } else {
            this.circuits = null;
            this.calledLocks = locks;
        }
        this.calls = new RedisCalls(failures, commandTimeout, circuits, closed::get);
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
     * @param redisUri {@code redis://[[user]:password@]host[:port][/database]}, or {@code rediss://...} for TLS;
     *                 or {@code redis-sentinel://...#masterName} (see {@link #sentinelBuilder})
     * @throws IllegalArgumentException if {@code redisUri} is not such a URI (the message names it, password masked)
     */
    public static Builder builder(String redisUri) {
        return new Builder(RedisServers.single(redisUri));
    }

    /**
     * Settings for a backend on a Redis Cluster, found through {@code seedUris}: some of its nodes,
     * each {@code redis://[[user]:password@]host:port} or {@code rediss://...} with the same
     * credentials and TLS settings; the rest of the cluster is discovered from them. See the class
     * comment for what changes on a cluster.
     *
     * @throws IllegalArgumentException naming the seed that is not such a URI, names a database
     *         other than 0, is given twice, or is reached unlike the first
     */
    public static Builder clusterBuilder(List<String> seedUris) {
        return new Builder(RedisServers.cluster(seedUris));
    }

    /**
     * Settings for a backend on the master that Redis Sentinels monitor as {@code masterName}, found
     * through {@code sentinelUris}: some of the Sentinels, each {@code redis://[[user]:password@]host:port[/database]}
     * or {@code rediss://...}, with the user, password, database and TLS settings of the master (the
     * Sentinels themselves are asked without credentials). After a failover both clients ask the
     * Sentinels for the new master and reconnect; the change feed subscribes again. The same as
     * {@link #builder} with {@code redis-sentinel://[[user]:password@]host[:port][,host2[:port2]...][/database]#masterName}.
     *
     * @throws IllegalArgumentException naming the Sentinel URI that is not such a URI, is given twice,
     *         or is reached unlike the first
     */
    public static Builder sentinelBuilder(String masterName, List<String> sentinelUris) {
        return new Builder(RedisServers.sentinel(masterName, sentinelUris));
    }

    @Override
    public byte @Nullable [] get(String region, String key) {
        String k = entryKey(key);
        return calls.call(reader(), "GET", k, k, false, c -> c.get(k));
    }

    /** One {@code MGET} of every counter and then the entry: a hit, generation checks included, costs one round trip. */
    @Override
    public Read read(String region, String key, List<String> counters) {
        String k = entryKey(key);
        String[] keys = new String[counters.size() + 1];
        for (int i = 0; i < counters.size(); i++)
            keys[i] = counterKey(counters.get(i));
        keys[counters.size()] = k;
        List<KeyValue<String, byte[]>> values = calls.mget(reader(), keys);
        long[] generations = generations(keys, values, counters.size(), null);
        return new Read(generations, values.get(counters.size()).getValueOrElse(null));
    }

    /** Keys per MGET of a {@link #readAll}: a larger batch is read in several. */
    static final int MGET_KEYS = 256;

    /**
     * One {@code MGET} of every distinct counter and entry key of the batch, or one per
     * {@value #MGET_KEYS} keys of a larger one.
     */
    @Override
    public List<Read> readAll(List<ReadRequest> requests) {
        if (requests.isEmpty())
            return List.of();
        Map<String, Integer> slots = new LinkedHashMap<>();
        int[][] counterSlots = new int[requests.size()][];
        int[] entrySlots = new int[requests.size()];
        for (int j = 0; j < requests.size(); j++) {
            ReadRequest r = requests.get(j);
            counterSlots[j] = new int[r.counters().size()];
            for (int i = 0; i < counterSlots[j].length; i++)
                counterSlots[j][i] = slot(slots, counterKey(r.counters().get(i)));
            entrySlots[j] = slot(slots, entryKey(r.key()));
        }
        String[] keys = slots.keySet().toArray(String[]::new);
        // In chunks: one huge MGET would hold the server (and its reply buffer) for every other client.
        // An entry read apart from its counters is still safe: it is served only if its recorded
        // generations equal the counters read, whichever was read first.
        List<KeyValue<String, byte[]>> values = new ArrayList<>(keys.length);
        for (int from = 0; from < keys.length; from += MGET_KEYS) {
            String[] chunk = Arrays.copyOfRange(keys, from, Math.min(keys.length, from + MGET_KEYS));
            values.addAll(calls.mget(reader(), chunk));
        }
        boolean[] isCounter = new boolean[keys.length];
        for (int[] js : counterSlots)
            for (int slot : js)
                isCounter[slot] = true;
        long[] all = generations(keys, values, keys.length, isCounter);
        List<Read> out = new ArrayList<>(requests.size());
        for (int j = 0; j < requests.size(); j++) {
            long[] generations = new long[counterSlots[j].length];
            for (int i = 0; i < generations.length; i++)
                generations[i] = all[counterSlots[j][i]];
            out.add(new Read(generations, values.get(entrySlots[j]).getValueOrElse(null)));
        }
        return out;
    }

    /** The position of {@code key} in the batch's MGET, adding it at the end the first time. */
    private static int slot(Map<String, Integer> slots, String key) {
        Integer known = slots.get(key);
        if (known != null)
            return known;
        slots.put(key, slots.size());
        return slots.size() - 1;
    }

    /**
     * The values of the counters among the first {@code length} of {@code keys} (those
     * {@code isCounter} marks; all of them if it is null), as an {@code MGET} answered {@code values};
     * 0 at the other positions. A hit's read allocates nothing here but the array it returns. A counter that is missing (never bumped, or lost with
     * a server restarted empty, a failover or an eviction) or holds a non-integer is set to the
     * server's clock first ({@link RedisScripts#ENSURE}, one more round trip, in the rare read that finds one):
     * so no value read can be one that an entry recorded before the counter was lost, and a damaged
     * counter no longer keeps its tables out of the cache.
     */
    private long[] generations(String[] keys, List<KeyValue<String, byte[]>> values, int length, boolean @Nullable [] isCounter) {
        long[] out = new long[length];
        List<Integer> unset = null;
        for (int i = 0; i < length; i++) {
            if (isCounter != null && !isCounter[i])
                continue;
            long v = values.get(i).hasValue() ? RedisScripts.integer(values.get(i).getValue()) : RedisScripts.NOT_AN_INTEGER;
            if (v != RedisScripts.NOT_AN_INTEGER)
                out[i] = v;
            else {
                if (unset == null)
                    unset = new ArrayList<>();
                unset.add(i);
            }
        }
        if (unset != null) {
            String[] fix = new String[unset.size()];
            for (int j = 0; j < fix.length; j++)
                fix[j] = keys[unset.get(j)];
            long[] set = ensure(fix);
            for (int j = 0; j < fix.length; j++)
                out[unset.get(j)] = set[j];
        }
        return out;
    }

    /** The counters' values after {@link RedisScripts#ENSURE}: one script per hash slot on a cluster. */
    private long[] ensure(String[] counterKeys) {
        long[] result = new long[counterKeys.length];
        for (List<Integer> group : RedisScripts.bySlot(List.of(counterKeys), servers.cluster())) {
            String[] keys = new String[group.size()];
            for (int j = 0; j < keys.length; j++)
                keys[j] = counterKeys[group.get(j)];
            List<Object> answer = call(connection, "SET counter if missing or damaged (script)", String.join("', '", keys), keys[0], false,
                c -> RedisScripts.ENSURE.runMulti(c, keys));
            if (answer.size() != 2 * keys.length)
                throw failures.of("SET counter if missing or damaged (script)", keys[0], "expected " + 2 * keys.length + " values, got " + answer);
            for (int j = 0; j < keys.length; j++) {
                result[group.get(j)] = (Long) answer.get(2 * j);
                if ((Long) answer.get(2 * j + 1) == 2)
                    repaired(keys[j]);
            }
        }
        return result;
    }

    private void repaired(String counterKey) {
        countersRepaired.incrementAndGet();
        LOG.log(System.Logger.Level.WARNING, "generation counter '" + counterKey + "' on " + servers.describe()
            + " held something other than an integer; it was set to the server's clock, so entries recorded under it are not served");
    }

    /**
     * How many generation counters this backend found holding something other than an integer
     * (written by something else) and set to the server's clock.
     */
    public long countersRepaired() {
        return countersRepaired.get();
    }

    @Override
    public void put(String region, String key, byte[] entry, Duration timeToLive) {
        Objects.requireNonNull(entry, "entry");
        long px = millis(region, timeToLive);
        String k = entryKey(key);
        call("SET PX " + px, k, c -> c.set(k, entry, SetArgs.Builder.px(px)));
    }

    /**
     * Atomic on one server: one script compares every counter (a missing one matches nothing; compared as decimal
     * strings) and only then stores. On a cluster the script runs on the entry's node and compares
     * the counters that live in its slot; the others are compared by an {@code MGET} just before.
     * A counter moved between the two lets a dead entry in, which no reader serves: an entry is
     * served only while the counters it records are the ones the reader reads.
     */
    @Override
    public boolean putIfGenerations(String region, String key, byte[] entry, Duration timeToLive, List<String> counters,
                                    long[] expected) {
        Objects.requireNonNull(entry, "entry");
        if (counters.size() != expected.length)
            throw new IllegalArgumentException(counters.size() + " counters " + counters + " but " + expected.length
                + " expected values " + Arrays.toString(expected) + " for an entry in region '" + region + "'");
        long px = millis(region, timeToLive);
        String k = entryKey(key);
        List<String> keys = new ArrayList<>(List.of(k));
        List<byte[]> args = new ArrayList<>(List.of(entry, ascii(px)));
        List<String> elsewhere = new ArrayList<>();
        List<Long> elsewhereExpected = new ArrayList<>();
        int slot = SlotHash.getSlot(k);
        for (int i = 0; i < expected.length; i++) {
            String counter = counterKey(counters.get(i));
            if (!servers.cluster() || SlotHash.getSlot(counter) == slot) {
                keys.add(counter);
                args.add(ascii(expected[i]));
            } else {
                elsewhere.add(counter);
                elsewhereExpected.add(expected[i]);
            }
        }
        if (!elsewhere.isEmpty()) {
            String[] others = elsewhere.toArray(String[]::new);
            List<KeyValue<String, byte[]>> now = calls.mget(connection, others);
            for (int i = 0; i < others.length; i++)
                if (!now.get(i).hasValue() || RedisScripts.integer(now.get(i).getValue()) != elsewhereExpected.get(i))
                    return false;   // moved, lost or damaged since it was read
        }
        String[] scriptKeys = keys.toArray(String[]::new);
        byte[][] scriptArgs = args.toArray(byte[][]::new);
        Long stored = call("SET PX " + px + " if " + (scriptKeys.length - 1) + " counters unchanged (script)", k,
            c -> RedisScripts.PUT_IF_GENERATIONS.runInteger(c, scriptKeys, scriptArgs));
        return stored == 1;
    }

    /** Whole milliseconds for {@code PX}; below one is rounded up rather than to "never expires". */
    private static long millis(String region, Duration timeToLive) {
        if (timeToLive.isNegative() || timeToLive.isZero())
            throw new IllegalArgumentException("timeToLive of an entry in region '" + region + "' must be positive, got " + timeToLive);
        return Math.max(1, timeToLive.toMillis());
    }

    /**
     * {@code DEL} and an {@code E<key>} message in one script. The message goes out even if there
     * was nothing to delete: a near cache's copy may outlive the Redis key (evicted, expired, or
     * deleted by a concurrent call whose message this one must not depend on).
     */
    @Override
    public boolean delete(String region, String key) {
        String k = entryKey(key);
        Long deleted = call("DEL+PUBLISH", k,
            c -> RedisScripts.DELETE.runInteger(c, new String[] {k}, channelBytes, ChangeFeed.entryMessage(key)));
        return deleted > 0;
    }

    @Override
    public void announceEntryChanged(String region, String key) {
        Objects.requireNonNull(key, "key");
        // Keyless: no master's circuit answers for it.
        call(connection, "PUBLISH", channel, null, false, c -> c.publish(channel, ChangeFeed.entryMessage(key)));
    }

    @Override
    public long generation(String counter) {
        String k = counterKey(counter);
        byte[] value = call("GET", k, c -> c.get(k));
        long v = value == null ? RedisScripts.NOT_AN_INTEGER : RedisScripts.integer(value);
        return v != RedisScripts.NOT_AN_INTEGER ? v : ensure(new String[] {k})[0];
    }

    @Override
    public long incrementGeneration(String counter) {
        return incrementGenerations(List.of(counter))[0];
    }

    /**
     * One script {@code INCR}s each counter and publishes its new value ({@code G<value> <counter>}).
     * A counter holding a non-integer is repaired on the way: set to the server's clock, as
     * a missing one is (counted in {@link #countersRepaired()}).
     */
    @Override
    public long[] incrementGenerations(List<String> counters) {
        return increment(counters, false);
    }

    /** As {@link #incrementGenerations}; on a cluster, each master's part is a probe of its circuit even while it is open. */
    @Override
    public long[] incrementGenerationsNow(List<String> counters) {
        return increment(counters, true);
    }

    private long[] increment(List<String> counters, boolean now) {
        long[] result = new long[counters.size()];
        if (counters.isEmpty())
            return result;
        for (List<Integer> group : RedisScripts.bySlot(counters.stream().map(this::counterKey).toList(), servers.cluster())) {
            String[] keys = new String[group.size()];
            byte[][] args = new byte[group.size() + 1][];
            args[0] = channelBytes;
            for (int j = 0; j < keys.length; j++) {
                keys[j] = counterKey(counters.get(group.get(j)));
                args[j + 1] = counters.get(group.get(j)).getBytes(StandardCharsets.UTF_8);
            }
            LazyConnection on = bumps != null ? bumps : connection;
            List<Object> values = call(on, "INCR+PUBLISH", String.join("', '", keys), keys[0], now,
                c -> RedisScripts.INCREMENT.runMulti(c, keys, args));
            if (values.size() != 2 * keys.length)
                throw failures.of("INCR+PUBLISH", keys[0], "expected " + 2 * keys.length + " values, got " + values);
            for (int j = 0; j < keys.length; j++) {
                result[group.get(j)] = (Long) values.get(2 * j);
                if ((Long) values.get(2 * j + 1) == 1)
                    repaired(keys[j]);
            }
            if (replication != null)
                awaitReplicas(on, keys);
        }
        return result;
    }

    /**
     * Waits ({@code WAIT}) until {@link Replication#replicas} replicas have every write made so far on
     * {@code on}, the bumps of {@code keys} included, for at most {@link Replication#timeout}.
     *
     * @throws CacheBackendException if fewer had them in time: the bump is made on the master but
     *         may be lost by a failover, so the caller treats it as failed (and retries it)
     */
    private void awaitReplicas(LazyConnection on, String[] keys) {
        Replication r = java.util.Objects.requireNonNull(replication, "replication");
        String command = "WAIT " + r.replicas() + " " + r.timeout().toMillis();
        Long acked = call(on, command, String.join("', '", keys), null, false, c -> c.waitForReplication(r.replicas(), r.timeout().toMillis()));
        if (acked == null || acked < r.replicas())
            throw failures.of(command, String.join("', '", keys), (acked == null ? 0 : acked) + " of " + r.replicas()
                + " replicas had the bump within " + r.timeout().toMillis() + "ms: a failover now could lose it");
    }

    /**
     * Starts hearing this backend's channel on a pub/sub connection of its own, opened in the
     * background on the first call: never waits for Redis. See the class comment for what
     * {@code watcher} hears and when it is told {@code connectionChanged}.
     *
     * @return true
     * @throws CacheBackendException if the backend is closed
     */
    @Override
    public boolean watch(Watcher watcher) {
        Objects.requireNonNull(watcher, "watcher");
        if (closed.get() || !feed.add(watcher))
            throw failures.of("SUBSCRIBE", channel, "the backend is closed");
        return true;
    }

    @Override
    public void unwatch(Watcher watcher) {
        feed.remove(watcher);
    }

    /**
     * Redisson locks under {@code <keyPrefix><lock key>}, exclusive across every process sharing the
     * server and prefix. Waiters are woken by the holder's release (Redis pub/sub), never by polling,
     * and by a connection of the lock client dropping or being made again. A lease may be released
     * from any thread. An attempt takes the lock for three command timeouts, and only a caller that
     * heard it got it extends it: so an attempt that timed out (Redis paused or slow) leaves no lock
     * longer than that, and is released by its owner id as soon as Redis answers. A lease no longer
     * than {@link Builder#lockWatchdogTimeout(Duration) lockWatchdogTimeout} is then the key's TTL;
     * a longer one is renewed every third of the watchdog timeout while its holder lives, so a dead
     * holder's lock is free within the watchdog timeout, and a live holder's ends at its lease at the
     * latest.
     */
    @Override
    public RegenerationLocks locks() {
        return calledLocks;
    }

    /**
     * True on a cluster unless built with {@link Builder#noCircuitBreakerPerServer()}: each master
     * has a circuit breaker of its own, so a {@code CachingDSL} puts none around this backend.
     */
    @Override
    public boolean breaksPerServer() {
        return circuits != null;
    }

    /** Each cluster master's circuit that has been used, by name; empty unless {@link #breaksPerServer()}. */
    @Override
    public Map<String, Circuit.State> circuits() {
        return circuits == null ? Map.of() : circuits.states();
    }

    /** The server, e.g. {@code redis://10.0.0.5:6379}, or {@code cluster redis://10.0.0.5:7000,10.0.0.6:7000}; never credentials. */
    @Override
    public String describe() {
        return servers.describe();
    }

    /**
     * Closes the Lettuce connections (live watchers are told {@code connectionChanged(false)}) and
     * client and the Redisson client, and stops their threads. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true))
            return;
        CloseAll.run(List.of(locks::close, feed::close,
            () -> CloseAll.run(java.util.Arrays.stream(readers).<Runnable>map(r -> r::close).toList()),
            () -> {
                if (bumps != null)
                    bumps.close();
            },
            clients::close));
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

    /**
     * The connection for the calling thread's read: the same one for every read of a thread, so that many
     * threads spread over {@link #readers} evenly. Picking one at random per read instead gained far less (see
     * the {@code throughput} benchmark in the project's benchmarks/README).
     */
    private LazyConnection reader() {
        return readers.length == 1 ? connection : readers[(int) Math.floorMod(Thread.currentThread().threadId(), (long) readers.length)];
    }

    /** {@code command} on one key, {@code key}. */
    private <T> T call(String command, String key, Function<RedisClusterCommands<String, byte[]>, T> op) {
        return calls.call(connection, command, key, key, false, op);
    }

    private <T> T call(LazyConnection on, String command, String described, @Nullable String route, boolean now,
                       Function<RedisClusterCommands<String, byte[]>, T> op) {
        return calls.call(on, command, described, route, now, op);
    }

    private static byte[] ascii(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Settings for {@link RedisCacheBackend}; each may be set once, and every value is checked when it
     * is set. Not thread-safe.
     */
    public static final class Builder {
        private final RedisServers servers;
        private @Nullable String keyPrefix;
        private @Nullable Duration commandTimeout;
        private @Nullable Integer readConnections;
        private @Nullable Integer requestQueueSize;
        private @Nullable Duration lockWatchdogTimeout;
        /** A Micrometer MeterRegistry, kept as an Object so that this class loads without Micrometer. */
        private @Nullable Object meterRegistry;
        private @Nullable TrustManagerFactory trust;
        private @Nullable Replication replication;
        private @Nullable CircuitSettings breakers = CircuitSettings.DEFAULT;
        private boolean breakersSet;

        private Builder(RedisServers servers) {
            this.servers = servers;
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
                throw new IllegalArgumentException("keyPrefix must not be empty: shardcache's keys would mix with everything else on " + servers);
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
         * How many commands may wait to be sent on each connection; further commands are refused at
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
         * How many connections to Redis reads are spread over, each with an I/O thread of its own: the
         * {@code MGET} of every hit and {@code GET}s, each thread's reads on one of them. Writes (stores, bumps, scripts, change messages)
         * stay on the first; each returns only once Redis answered it, so a read sent after it on any of
         * them sees it. One connection carries every concurrent read of a JVM through one event loop
         * thread; with many concurrent callers and cores to spare, that thread can be the ceiling of
         * hits per second (see the project's benchmarks, {@code throughput --connections 1,2}). Between
         * 1 and {@link #MAX_READ_CONNECTIONS}; default {@link #DEFAULT_READ_CONNECTIONS}.
         */
        public Builder readConnections(int readConnections) {
            if (this.readConnections != null)
                throw new IllegalStateException("readConnections is already set to " + this.readConnections);
            if (readConnections < 1 || readConnections > MAX_READ_CONNECTIONS)
                throw new IllegalArgumentException("readConnections must be between 1 and " + MAX_READ_CONNECTIONS + ", got "
                    + readConnections);
            this.readConnections = readConnections;
            return this;
        }

        /**
         * The lock watchdog timeout. A regeneration lock whose lease is longer than this is held
         * with a Redis TTL of this much, renewed every third of it by its holder's process while it
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
         * Trusts the certificates in {@code pemFile} (PEM, one or more {@code BEGIN CERTIFICATE}
         * blocks: a private CA, or the server's own certificate) for TLS, instead of the JVM's
         * default trust store, in both the Lettuce and the Redisson client. The server's certificate
         * is still checked against its host name unless the URI says {@code verifyPeer=CA} or
         * {@code NONE}.
         *
         * @throws IllegalArgumentException if the URI is not {@code rediss://}, or the file cannot be
         *         read or holds no certificate (the message names the file)
         */
        public Builder trustedCertificates(java.nio.file.Path pemFile) {
            Objects.requireNonNull(pemFile, "pemFile");
            if (trust != null)
                throw new IllegalStateException("trustedCertificates is already set");
            if (!servers.tls())
                throw new IllegalArgumentException("trustedCertificates(" + pemFile + ") is for TLS, but " + servers
                    + " is not a rediss:// URI");
            this.trust = TrustedCertificates.load(pemFile);
            return this;
        }

        /**
         * Records Lettuce's command latencies ({@code lettuce.command.completion} and
         * {@code lettuce.command.firstresponse}, by command) in {@code registry}: Micrometer must be
         * on the class path (it is an optional dependency of this module).
         */
        public Builder meterRegistry(io.micrometer.core.instrument.MeterRegistry registry) {
            Objects.requireNonNull(registry, "registry");
            if (meterRegistry != null)
                throw new IllegalStateException("meterRegistry is already set");
            this.meterRegistry = registry;
            return this;
        }

        /**
         * Makes every generation bump wait ({@code WAIT}) until at least {@code replicas} replicas of
         * the master have it, for at most {@code timeout}; a bump that fewer replicas had in time
         * fails as if Redis were down (the writing JVM keeps it, retries it, and serves nothing from
         * the cache meanwhile). So a failover to a replica (Redis Sentinel) cannot lose the bump of a
         * write that returned, and no JVM serves rows from before it afterwards. Bumps then go
         * through a connection of their own, so that a wait never holds up reads; each costs one more
         * round trip, plus the replicas' lag. With no replica reachable, every bump fails this way.
         * Off by default. One server or Sentinel only: on a Redis Cluster each master replicates on
         * its own.
         *
         * @param timeout whole milliseconds, at least 1 ms and shorter than the command timeout
         */
        public Builder replicatedBumps(int replicas, Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (replication != null)
                throw new IllegalStateException("replicatedBumps is already set to " + replication.replicas() + " replicas within "
                    + replication.timeout().toMillis() + "ms");
            if (replicas < 1)
                throw new IllegalArgumentException("replicatedBumps needs at least 1 replica, got " + replicas);
            if (timeout.toMillis() < 1)
                throw new IllegalArgumentException("replicatedBumps timeout must be at least 1ms, got " + timeout);
            if (servers.cluster())
                throw new IllegalArgumentException("replicatedBumps is for one server or Sentinel, not a Redis Cluster (" + servers
                    + "): each master of a cluster replicates on its own");
            this.replication = new Replication(replicas, timeout);
            return this;
        }

        /**
         * On a Redis Cluster, a circuit breaker per master: {@code failures} consecutive failures of
         * the calls to one master open its circuit for {@code openFor}; calls that need it (an entry,
         * counter or lock in one of its slots) then go to the database at once, while the other
         * masters' keys keep hitting. A {@code CachingDSL} then puts no breaker of its own around
         * the backend ({@link #breaksPerServer()}). Default 3 failures and 1 s, as a
         * {@code CachingDSL}'s; {@code listener} hears each master's circuit open and close. After a
         * failover the new master has a circuit of its own, closed.
         *
         * @throws IllegalArgumentException if {@code failures < 1}, {@code openFor} is not positive,
         *         or this is not a cluster (a {@code CachingDSL}'s circuit breaker guards one server)
         */
        public Builder circuitBreakerPerServer(int failures, Duration openFor, CacheListener listener) {
            clusterOnly("circuitBreakerPerServer");
            this.breakers = new CircuitSettings(failures, openFor, listener);
            this.breakersSet = true;
            return this;
        }

        /**
         * No circuit breaker per master of a cluster: a {@code CachingDSL} then puts its own around
         * the whole backend, which one master down opens for every key now and then.
         *
         * @throws IllegalArgumentException if this is not a cluster
         */
        public Builder noCircuitBreakerPerServer() {
            clusterOnly("noCircuitBreakerPerServer");
            this.breakers = null;
            this.breakersSet = true;
            return this;
        }

        private void clusterOnly(String setting) {
            if (breakersSet)
                throw new IllegalStateException("circuitBreakerPerServer is already set" + (breakers == null ? " to none" : ""));
            if (!servers.cluster())
                throw new IllegalArgumentException(setting + " is for a Redis Cluster, whose masters fail one by one; " + servers
                    + " is one server, which a CachingDSL's circuitBreaker guards");
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
            if (replication != null && replication.timeout().compareTo(timeout) >= 0)
                throw new IllegalArgumentException("replicatedBumps timeout " + replication.timeout().toMillis()
                    + "ms is not shorter than commandTimeout " + timeout.toMillis() + "ms: the WAIT would time out as a command first");
            return new RedisCacheBackend(servers, keyPrefix != null ? keyPrefix : DEFAULT_KEY_PREFIX, timeout,
                requestQueueSize != null ? requestQueueSize : DEFAULT_REQUEST_QUEUE_SIZE,
                readConnections != null ? readConnections : DEFAULT_READ_CONNECTIONS, watchdog, meterRegistry, trust, replication,
                servers.cluster() ? breakers : null);
        }
    }
}
