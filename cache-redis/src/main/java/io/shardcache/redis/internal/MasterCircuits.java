package io.shardcache.redis.internal;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.shardcache.query.spi.CacheListener;
import io.shardcache.query.spi.Circuit;
import io.shardcache.query.spi.CircuitBreakers;
import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A circuit breaker per master of a Redis Cluster: a call is admitted by the circuit of the master
 * that serves its key's hash slot now, so a master down opens its own circuit and costs only the
 * keys it serves. Circuits are kept by node id: after a failover the replica that took the slots
 * over is a new node with a closed circuit, used as soon as the topology (Lettuce's, refreshed on
 * every {@code MOVED} and reconnection and every 10 s) names it. While the topology is not known yet
 * (never connected), every slot shares one circuit.
 *
 * <p>Thread-safe; finding a slot's circuit reads Lettuce's slot table and one map, allocating nothing.
 */
public final class MasterCircuits {

    /** Past this many circuits, those of nodes no longer in the topology are dropped. */
    private static final int PRUNE_ABOVE = 64;

    private final Supplier<@Nullable Partitions> topology;
    private final String cluster;
    private final boolean tls;
    private final int failures;
    private final Duration openFor;
    private final CacheListener listener;
    private final ConcurrentHashMap<String, Circuit> byNode = new ConcurrentHashMap<>();
    private final Circuit unknown;

    /**
     * @param topology the slots' masters as Lettuce knows them now, or null while it knows none
     * @param cluster  how the cluster is described in messages (never with credentials)
     */
    public MasterCircuits(Supplier<@Nullable Partitions> topology, String cluster, boolean tls, int failures, Duration openFor,
                          CacheListener listener) {
        this.topology = topology;
        this.cluster = cluster;
        this.tls = tls;
        this.failures = failures;
        this.openFor = openFor;
        this.listener = listener;
        this.unknown = CircuitBreakers.circuit("the masters of " + cluster + " (topology not known yet)", failures, openFor, listener);
    }

    /** The circuit of the master that serves {@code key}'s hash slot. */
    public Circuit ofKey(String key) {
        return ofSlot(SlotHash.getSlot(key));
    }

    /** The circuit of the master that serves {@code slot}. */
    public Circuit ofSlot(int slot) {
        Partitions partitions = topology.get();
        RedisClusterNode node = partitions == null ? null : partitions.getPartitionBySlot(slot);
        if (node == null || node.getNodeId() == null)
            return unknown;
        Circuit known = byNode.get(node.getNodeId());
        return known != null ? known : add(node, partitions);
    }

    private Circuit add(RedisClusterNode node, Partitions partitions) {
        if (byNode.size() >= PRUNE_ABOVE) {
            Set<String> live = new HashSet<>();
            for (RedisClusterNode n : partitions)
                live.add(n.getNodeId());
            byNode.keySet().retainAll(live);
        }
        RedisURI uri = Objects.requireNonNull(node.getUri(), "a cluster node's address");
        String name = (tls ? "rediss://" : "redis://") + uri.getHost() + ":" + uri.getPort() + " (master of " + cluster + ")";
        return byNode.computeIfAbsent(node.getNodeId(), id -> CircuitBreakers.circuit(name, failures, openFor, listener));
    }

    /** Every master's circuit that has been used, by name (and the one of unknown masters, if it counted a failure). */
    public java.util.Map<String, Circuit.State> states() {
        java.util.Map<String, Circuit.State> out = new java.util.TreeMap<>();
        Circuit.State u = unknown.state();
        if (u.open() || u.failures() > 0)
            out.put(unknown.name(), u);
        for (Circuit c : byNode.values())
            out.put(c.name(), c.state());
        return out;
    }
}
