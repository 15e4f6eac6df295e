package io.shardcache.query;

import io.shardcache.query.internal.CloseAll;
import io.shardcache.query.internal.HashRing;
import io.shardcache.query.spi.CacheBackend;
import io.shardcache.query.spi.CacheListener;
import io.shardcache.query.spi.CircuitBreakers;
import io.shardcache.query.spi.CircuitSettings;
import io.shardcache.query.spi.RegenerationLocks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Several cache backends as one, each key on one of them by consistent hashing: for users with
 * several standalone Redis servers rather than a Redis Cluster. Any {@link CacheBackend}s compose
 * (each node is typically a {@code RedisCacheBackend} of the cache-redis module). A server
 * that is down costs its share of the keys (those reads run on the database), and every read of a
 * region whose generation counters it holds; adding or removing one moves about its share of the
 * keys, not all of them. Each server has a circuit breaker of its own ({@link Builder#circuitBreakerPerServer}),
 * and a {@code CachingDSL} puts none around the ring ({@link #breaksPerServer()}): a server down
 * opens its own circuit, and the others' keys keep hitting.
 *
 * <pre>{@code
 * CacheBackend cache = BackendRing.builder()
 *     .node("cache-1", RedisCacheBackend.builder("redis://cache-1.internal:6379").keyPrefix("orders:").build())
 *     .node("cache-2", RedisCacheBackend.builder("redis://cache-2.internal:6379").keyPrefix("orders:").build())
 *     .build();
 * CachingDSL cached = CachingDSL.wrap(dsl, regions, cache);
 * }</pre>
 *
 * <p><b>Placement.</b> Each node takes {@link Builder#virtualNodes} points on a 64-bit ring, at the
 * first 8 bytes of the SHA-1 of {@code "<name>#<i>"}; a key belongs to the first point at or after
 * the first 8 bytes of the SHA-1 of the key (shardcache's own layout, not libketama's MD5 one). An
 * entry is placed by its key, a generation counter by its name, a regeneration lock by its key. So
 * every process must list the same servers under the same names, or they disagree on where a
 * counter lives and one process misses another's invalidations; the names, not the addresses,
 * decide, so a server may be reached under different addresses from different hosts.
 *
 * <p><b>Calls that span nodes.</b> A read needs its entry and its counters, which may live on
 * different nodes: each node involved is read at once (one round trip, on as many virtual threads),
 * which is safe for the same reason as on a Redis Cluster: an entry is served only while the
 * generations it records are the ones read. A checked store compares the counters on other nodes
 * first, then runs its node's atomic check-and-store with the counters there. An increment runs
 * one script per node. Change messages of every node reach a {@linkplain #watch watcher}, which is
 * told it is live only while every node's subscription is.
 *
 * <p><b>Lost counters.</b> A node that comes back empty (restarted without persistence) has lost
 * its counters, and a change of the node list moves some to a node that never had them. Entries on
 * other nodes may have recorded their old values; they are never served again, because a counter
 * that is absent is created again at its server's clock in microseconds by the first read that
 * finds it missing, above every value it had (as {@code RedisCacheBackend} does); no entry ever records
 * a counter that did not exist.
 *
 * <p>Thread-safe. {@link #close()} closes every node. Over 500 lines because every call of a
 * {@code CacheBackend} is split by node here, and the builder documents its settings.
 */
public final class BackendRing implements CacheBackend {

    /** Points per node on the ring unless {@link Builder#virtualNodes} says otherwise. */
    public static final int DEFAULT_VIRTUAL_NODES = 160;

    /** The nodes as called: each behind its own circuit breaker unless the builder said none. */
    private final Map<String, CacheBackend> nodes;
    /** The nodes as given, which the ring closes. */
    private final List<CacheBackend> owned;
    private final boolean breakers;
    private final HashRing ring;
    private final RegenerationLocks locks = new RingLocks();
    private static final int COUNTER_PLACES = 100_000;
    private final java.util.concurrent.ConcurrentHashMap<String, String> counterNodes = new java.util.concurrent.ConcurrentHashMap<>();
    private final IdentityHashMap<Watcher, List<NodeWatcher>> watching = new IdentityHashMap<>();

    private BackendRing(Map<String, CacheBackend> nodes, int virtualNodes, @Nullable CircuitSettings breakers) {
        this.owned = List.copyOf(nodes.values());
        this.breakers = breakers != null;
        Map<String, CacheBackend> called = new LinkedHashMap<>();
        nodes.forEach((name, node) -> called.put(name, breakers == null ? node
            : CircuitBreakers.guard(node, breakers.failures(), breakers.openFor(), breakers.listener())));
        this.nodes = Map.copyOf(called);
        this.ring = new HashRing(nodes.keySet(), virtualNodes);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The name of the node that holds {@code key}: an entry's storage key, {@code gen:<counter>} for a generation
     * counter, or {@code lock:<lock key>} for a regeneration lock. For operators asking where a key lives.
     */
    public String nodeOf(String key) {
        return ring.nodeOf(key);
    }

    private CacheBackend node(String name) {
        return Objects.requireNonNull(nodes.get(name), name);
    }

    private CacheBackend entryNode(String key) {
        return node(nodeOf(Objects.requireNonNull(key, "key")));
    }

    /**
     * The node of a generation counter. Every read asks for its region's counters, a few names used
     * over and over, so their places are kept instead of hashed on each hit (up to
     * {@link #COUNTER_PLACES} names; past that, hashed each time).
     */
    private String counterNode(String counter) {
        Objects.requireNonNull(counter, "counter");
        String known = counterNodes.get(counter);
        if (known != null)
            return known;
        String node = nodeOf("gen:" + counter);
        if (counterNodes.size() < COUNTER_PLACES)
            counterNodes.put(counter, node);
        return node;
    }

    @Override
    public byte @Nullable [] get(String region, String key) {
        return entryNode(key).get(region, key);
    }

    @Override
    public Read read(String region, String key, List<String> counters) {
        return readAll(List.of(new ReadRequest(region, key, counters))).getFirst();
    }

    /**
     * Every node involved read at once: each is asked for the entries it holds and the counters it
     * holds (a node asked only for counters reads the entry's key too, and that answer is dropped).
     */
    @Override
    public List<Read> readAll(List<ReadRequest> requests) {
        // Per node: the requests it answers, as sub-requests of the counters it holds.
        Map<String, List<ReadRequest>> asked = new LinkedHashMap<>();
        Map<String, List<int[]>> positions = new LinkedHashMap<>();   // per sub-request: {request, counter indexes...}
        for (int j = 0; j < requests.size(); j++) {
            ReadRequest r = requests.get(j);
            String entryAt = nodeOf(Objects.requireNonNull(r.key(), "key"));
            Map<String, List<Integer>> byNode = new LinkedHashMap<>();
            byNode.put(entryAt, new ArrayList<>());
            for (int i = 0; i < r.counters().size(); i++)
                byNode.computeIfAbsent(counterNode(r.counters().get(i)), n -> new ArrayList<>()).add(i);
            for (Map.Entry<String, List<Integer>> e : byNode.entrySet()) {
                List<String> counters = e.getValue().stream().map(r.counters()::get).toList();
                asked.computeIfAbsent(e.getKey(), n -> new ArrayList<>()).add(new ReadRequest(r.region(), r.key(), counters));
                int[] at = new int[e.getValue().size() + 2];
                at[0] = j;
                at[1] = e.getKey().equals(entryAt) ? 1 : 0;
                for (int i = 0; i < e.getValue().size(); i++)
                    at[i + 2] = e.getValue().get(i);
                positions.computeIfAbsent(e.getKey(), n -> new ArrayList<>()).add(at);
            }
        }
        Map<String, List<Read>> answers = onEach(asked, (node, sub) -> node(node).readAll(sub));
        long[][] generations = new long[requests.size()][];
        byte[] @Nullable [] entries = new byte[requests.size()][];
        for (int j = 0; j < requests.size(); j++)
            generations[j] = new long[requests.get(j).counters().size()];
        positions.forEach((node, list) -> {
            List<Read> reads = Objects.requireNonNull(answers.get(node));
            for (int s = 0; s < list.size(); s++) {
                int[] at = list.get(s);
                Read read = reads.get(s);
                if (at[1] == 1)
                    entries[at[0]] = read.entry();
                for (int i = 2; i < at.length; i++)
                    generations[at[0]][at[i]] = read.generations()[i - 2];
            }
        });
        List<Read> out = new ArrayList<>(requests.size());
        for (int j = 0; j < requests.size(); j++)
            out.add(new Read(generations[j], entries[j]));
        return out;
    }

    /** {@code call} for each node of {@code work}, at once when there are several; the first failure is thrown. */
    private <T, R> Map<String, R> onEach(Map<String, T> work, java.util.function.BiFunction<String, T, R> call) {
        Map<String, R> out = new LinkedHashMap<>();
        if (work.size() == 1) {
            work.forEach((node, w) -> out.put(node, call.apply(node, w)));
            return out;
        }
        Map<String, CompletableFuture<R>> running = new LinkedHashMap<>();
        work.forEach((node, w) -> running.put(node,
            CompletableFuture.supplyAsync(() -> call.apply(node, w), task -> Thread.ofVirtual().start(task))));
        for (Map.Entry<String, CompletableFuture<R>> e : running.entrySet()) {
            try {
                out.put(e.getKey(), e.getValue().join());
            } catch (CompletionException ex) {
                if (ex.getCause() instanceof RuntimeException r)
                    throw r;
                throw ex;
            }
        }
        return out;
    }

    /**
     * The counters on other nodes than the entry's are compared first, then the entry's node checks
     * its own and stores atomically. A counter elsewhere that moves in between lets in an entry no
     * reader serves.
     */
    @Override
    public boolean putIfGenerations(String region, String key, byte[] entry, Duration timeToLive, List<String> counters,
                                    long[] expected) {
        if (counters.size() != expected.length)
            throw new IllegalArgumentException(counters.size() + " counters " + counters + " but " + expected.length
                + " expected values " + Arrays.toString(expected) + " for an entry in region '" + region + "'");
        String entryAt = nodeOf(Objects.requireNonNull(key, "key"));
        List<String> here = new ArrayList<>();
        List<Long> hereExpected = new ArrayList<>();
        Map<String, List<Integer>> elsewhere = new LinkedHashMap<>();
        for (int i = 0; i < expected.length; i++) {
            String at = counterNode(counters.get(i));
            if (at.equals(entryAt)) {
                here.add(counters.get(i));
                hereExpected.add(expected[i]);
            } else {
                elsewhere.computeIfAbsent(at, n -> new ArrayList<>()).add(i);
            }
        }
        Map<String, List<ReadRequest>> asked = new LinkedHashMap<>();
        elsewhere.forEach((node, indexes) -> asked.put(node,
            List.of(new ReadRequest(region, key, indexes.stream().map(counters::get).toList()))));
        Map<String, List<Read>> now = onEach(asked, (node, sub) -> node(node).readAll(sub));
        for (Map.Entry<String, List<Integer>> e : elsewhere.entrySet()) {
            long[] values = Objects.requireNonNull(now.get(e.getKey())).getFirst().generations();
            for (int i = 0; i < values.length; i++)
                if (values[i] != expected[e.getValue().get(i)])
                    return false;
        }
        return node(entryAt).putIfGenerations(region, key, entry, timeToLive, here,
            hereExpected.stream().mapToLong(Long::longValue).toArray());
    }

    @Override
    public void put(String region, String key, byte[] entry, Duration timeToLive) {
        entryNode(key).put(region, key, entry, timeToLive);
    }

    @Override
    public boolean delete(String region, String key) {
        return entryNode(key).delete(region, key);
    }

    @Override
    public void announceEntryChanged(String region, String key) {
        entryNode(key).announceEntryChanged(region, key);
    }

    @Override
    public long generation(String counter) {
        return node(counterNode(counter)).generation(counter);
    }

    @Override
    public long incrementGeneration(String counter) {
        return node(counterNode(counter)).incrementGeneration(counter);
    }

    /** One call per node that holds some of the counters. */
    @Override
    public long[] incrementGenerations(List<String> counters) {
        return increment(counters, false);
    }

    /** Each node's part as {@link CacheBackend#incrementGenerationsNow}: a probe of its circuit even while open. */
    @Override
    public long[] incrementGenerationsNow(List<String> counters) {
        return increment(counters, true);
    }

    /** True unless built without them: each server has its own circuit breaker. */
    @Override
    public boolean breaksPerServer() {
        return breakers;
    }

    /** True if any node's calls leave the process. */
    @Override
    public boolean isRemote() {
        return owned.stream().anyMatch(CacheBackend::isRemote);
    }

    /** Each server's circuit, by the server's description; empty if built without them. */
    @Override
    public Map<String, io.shardcache.query.spi.Circuit.State> circuits() {
        if (!breakers)
            return Map.of();
        Map<String, io.shardcache.query.spi.Circuit.State> out = new java.util.TreeMap<>();
        for (CacheBackend node : nodes.values())
            out.putAll(node.circuits());
        return out;
    }

    private long[] increment(List<String> counters, boolean now) {
        Map<String, List<Integer>> byNode = new LinkedHashMap<>();
        for (int i = 0; i < counters.size(); i++)
            byNode.computeIfAbsent(counterNode(counters.get(i)), n -> new ArrayList<>()).add(i);
        long[] out = new long[counters.size()];
        byNode.forEach((node, indexes) -> {
            List<String> part = indexes.stream().map(counters::get).toList();
            long[] values = now ? node(node).incrementGenerationsNow(part) : node(node).incrementGenerations(part);
            for (int i = 0; i < values.length; i++)
                out[indexes.get(i)] = values[i];
        });
        return out;
    }

    /**
     * Registers {@code watcher} with every node. It hears every node's change messages, and is told
     * {@code connectionChanged(true)} only while every node's subscription is live, {@code false}
     * as soon as one drops.
     *
     * @return true if every node can tell; false (and nothing registered) otherwise
     */
    @Override
    public boolean watch(Watcher watcher) {
        Objects.requireNonNull(watcher, "watcher");
        Aggregate aggregate = new Aggregate(watcher, nodes.size());
        List<NodeWatcher> registered = new ArrayList<>();
        boolean all = false;
        try {
            int i = 0;
            for (CacheBackend node : nodes.values()) {
                NodeWatcher w = new NodeWatcher(aggregate, i++, node);
                if (!node.watch(w))
                    return false;
                registered.add(w);
            }
            all = true;
        } finally {
            if (!all)   // refused or threw part-way: leave no node telling a watcher the ring does not know of
                registered.forEach(r -> r.node.unwatch(r));
        }
        List<NodeWatcher> earlier;
        synchronized (watching) {
            earlier = watching.put(watcher, registered);
        }
        if (earlier != null)   // the same watcher again: its earlier registrations are replaced
            earlier.forEach(r -> r.node.unwatch(r));
        return true;
    }

    @Override
    public void unwatch(Watcher watcher) {
        List<NodeWatcher> registered;
        synchronized (watching) {
            registered = watching.remove(watcher);
        }
        if (registered != null)
            registered.forEach(w -> w.node.unwatch(w));
    }

    /** Each lock on the node its key hashes to. */
    @Override
    public RegenerationLocks locks() {
        return locks;
    }

    /** {@code ring(cache-1=redis://..., cache-2=redis://...)}; never credentials. */
    @Override
    public String describe() {
        return nodes.entrySet().stream().sorted(Map.Entry.comparingByKey())
            .map(e -> e.getKey() + "=" + e.getValue().describe()).collect(Collectors.joining(", ", "ring(", ")"));
    }

    /** Closes every node; the first failure is thrown once all were tried. */
    @Override
    public void close() {
        CloseAll.run(owned.stream().<Runnable>map(node -> node::close).toList());
    }

    @Override
    public String toString() {
        return "BackendRing[" + describe() + "]";
    }

    private final class RingLocks implements RegenerationLocks {
        @Override
        public Optional<Lease> tryAcquire(String lockKey, Duration lease) {
            return node(nodeOf("lock:" + lockKey)).locks().tryAcquire(lockKey, lease);
        }

        @Override
        public Acquisition acquire(String lockKey, Duration wait, Duration lease) throws InterruptedException {
            return node(nodeOf("lock:" + lockKey)).locks().acquire(lockKey, wait, lease);
        }
    }

    /** What one watcher of the ring has heard of each node's liveness, and how far each has delivered its messages. */
    private static final class Aggregate {
        private final Watcher watcher;
        private final boolean[] live;
        private final long[] caughtUp;
        private final boolean[] reported;
        private boolean told;

        Aggregate(Watcher watcher, int nodes) {
            this.watcher = watcher;
            this.live = new boolean[nodes];
            this.caughtUp = new long[nodes];
            this.reported = new boolean[nodes];
        }

        /** The ring has caught up as far as its node furthest behind: told once every node has reported. */
        synchronized void caughtUp(int node, long askedAtNanos) {
            caughtUp[node] = askedAtNanos;
            reported[node] = true;
            long oldest = askedAtNanos;
            for (int i = 0; i < caughtUp.length; i++) {
                if (!reported[i])
                    return;
                if (caughtUp[i] - oldest < 0)
                    oldest = caughtUp[i];
            }
            watcher.caughtUp(oldest);
        }

        synchronized void connectionChanged(int node, boolean isLive) {
            live[node] = isLive;
            reported[node] = false;
            boolean all = true;
            for (boolean l : live)
                all &= l;
            if (!isLive && told) {
                told = false;
                watcher.connectionChanged(false);
            } else if (all && !told) {
                told = true;
                watcher.connectionChanged(true);
            }
        }
    }

    private static final class NodeWatcher implements Watcher {
        private final Aggregate aggregate;
        private final int index;
        final CacheBackend node;

        NodeWatcher(Aggregate aggregate, int index, CacheBackend node) {
            this.aggregate = aggregate;
            this.index = index;
            this.node = node;
        }

        @Override
        public void generationChanged(String counter, long value) {
            aggregate.watcher.generationChanged(counter, value);
        }

        @Override
        public void entryChanged(String key) {
            aggregate.watcher.entryChanged(key);
        }

        @Override
        public void connectionChanged(boolean live) {
            aggregate.connectionChanged(index, live);
        }

        @Override
        public void caughtUp(long askedAtNanos) {
            aggregate.caughtUp(index, askedAtNanos);
        }
    }

    /** The nodes of a ring. Not thread-safe. */
    public static final class Builder {
        private final Map<String, CacheBackend> nodes = new LinkedHashMap<>();
        private @Nullable Integer virtualNodes;
        private @Nullable CircuitSettings breakers = CircuitSettings.DEFAULT;
        private boolean breakersSet;

        private Builder() {
        }

        /**
         * Adds a node: a backend on one server, under a name that every process gives the same
         * server. The ring owns the backend from now on and closes it.
         *
         * @throws IllegalArgumentException if the name is blank or already taken, or the backend was added before
         */
        public Builder node(String name, CacheBackend backend) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(backend, "backend");
            if (name.isBlank())
                throw new IllegalArgumentException("a ring node's name must not be blank");
            if (nodes.containsKey(name))
                throw new IllegalArgumentException("ring node name '" + name + "' is given twice");
            String taken = nameOf(backend);
            if (taken != null)
                throw new IllegalArgumentException("backend " + backend.describe() + " is already node '" + taken + "'");
            nodes.put(name, backend);
            return this;
        }

        /**
         * The name of the node that is this very backend, or null. By identity: the ring closes each node, so one
         * object must not be two nodes, while two equal backends may well be.
         */
        @SuppressWarnings("ReferenceEquality")   // identity is the point, see above
        private @Nullable String nameOf(CacheBackend backend) {
            for (Map.Entry<String, CacheBackend> e : nodes.entrySet())
                if (e.getValue() == backend)
                    return e.getKey();
            return null;
        }

        /** Points per node on the ring, 1 to 10,000; more spread the keys more evenly. Default {@link #DEFAULT_VIRTUAL_NODES}. */
        public Builder virtualNodes(int virtualNodes) {
            if (this.virtualNodes != null)
                throw new IllegalStateException("virtualNodes is already set to " + this.virtualNodes);
            if (virtualNodes < 1 || virtualNodes > 10_000)
                throw new IllegalArgumentException("virtualNodes must be between 1 and 10000, got " + virtualNodes);
            this.virtualNodes = virtualNodes;
            return this;
        }

        /**
         * A circuit breaker per server: {@code failures} consecutive failures of one server open its
         * circuit for {@code openFor} (its keys then go to the database at once), without touching
         * the others'. Default 3 failures and 1 s, as a {@code CachingDSL}'s; {@code listener} hears
         * each server's circuit open and close.
         *
         * @throws IllegalArgumentException if {@code failures < 1} or {@code openFor} is not positive
         */
        public Builder circuitBreakerPerServer(int failures, Duration openFor, CacheListener listener) {
            if (breakersSet)
                throw new IllegalStateException("circuitBreakerPerServer is already set");
            this.breakers = new CircuitSettings(failures, openFor, listener);
            this.breakersSet = true;
            return this;
        }

        /**
         * No circuit breaker per server: a {@code CachingDSL} then puts its own around the whole ring,
         * which a server down opens for every key now and then.
         */
        public Builder noCircuitBreakerPerServer() {
            if (breakersSet)
                throw new IllegalStateException("circuitBreakerPerServer is already set");
            this.breakers = null;
            this.breakersSet = true;
            return this;
        }

        /**
         * The ring of the nodes added.
         *
         * @throws IllegalStateException if no node was added
         */
        public BackendRing build() {
            if (nodes.isEmpty())
                throw new IllegalStateException("a ring needs at least one node: add them with node(name, backend)");
            return new BackendRing(nodes, virtualNodes != null ? virtualNodes : DEFAULT_VIRTUAL_NODES, breakers);
        }
    }
}
