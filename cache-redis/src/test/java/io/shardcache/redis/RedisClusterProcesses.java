package io.shardcache.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.shardcache.testing.Eventually;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A Redis Cluster of this test's own: {@code masters} {@code redis-server} processes on loopback, no
 * replicas, the 16,384 slots split evenly between them. {@code cluster-require-full-coverage no}, so
 * that the slots of the masters left keep serving when one is killed.
 */
final class RedisClusterProcesses implements AutoCloseable {

    static final int SLOTS = 16_384;

    private final List<KillableRedis> masters = new ArrayList<>();

    private RedisClusterProcesses() {
    }

    /** Starts the masters, assigns the slots, introduces the nodes and waits (at most 30 s) for {@code cluster_state:ok}. */
    static RedisClusterProcesses start(int masters) throws Exception {
        RedisClusterProcesses cluster = new RedisClusterProcesses();
        try {
            for (int i = 0; i < masters; i++)
                cluster.masters.add(KillableRedis.start(List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                    "--cluster-node-timeout", "2000", "--cluster-require-full-coverage", "no")));
            for (int i = 0; i < masters; i++) {
                int first = SLOTS * i / masters, last = SLOTS * (i + 1) / masters - 1;
                cluster.on(i, c -> c.clusterAddSlotsRange(io.lettuce.core.Range.create(first, last)));
            }
            for (int i = 1; i < masters; i++) {
                int port = cluster.masters.get(i).port();
                cluster.on(0, c -> c.clusterMeet("127.0.0.1", port));
            }
            cluster.awaitState("ok", Duration.ofSeconds(30));
            return cluster;
        } catch (Exception | AssertionError e) {
            cluster.close();
            throw e;
        }
    }

    /** {@code redis://127.0.0.1:port} of master {@code i}: a seed for a cluster client. */
    String seed(int i) {
        return masters.get(i).uri();
    }

    /** The master that serves {@code slot}: the slots are split evenly, in order. */
    int masterOf(int slot) {
        for (int i = 0; i < masters.size(); i++)
            if (slot <= SLOTS * (i + 1) / masters.size() - 1)
                return i;
        throw new IllegalArgumentException("slot " + slot + " is not one of the " + SLOTS);
    }

    /** Every master's {@link #seed}. */
    List<String> seeds() {
        List<String> seeds = new ArrayList<>();
        for (int i = 0; i < masters.size(); i++)
            seeds.add(seed(i));
        return seeds;
    }

    /** Deletes every key under {@code prefix} (test prefixes hold no glob characters) on every master still up (SCAN + UNLINK). */
    void deleteAll(String prefix) {
        for (int i = 0; i < masters.size(); i++) {
            if (!masters.get(i).running())
                continue;
            on(i, c -> {
                io.lettuce.core.ScanArgs match = io.lettuce.core.ScanArgs.Builder.matches(prefix + "*").limit(1000);
                io.lettuce.core.ScanCursor cursor = io.lettuce.core.ScanCursor.INITIAL;
                do {
                    io.lettuce.core.KeyScanCursor<String> page = c.scan(cursor, match);
                    for (String key : page.getKeys())
                        c.unlink(key);   // one at a time: a node refuses keys of several slots in one command
                    cursor = page;
                } while (!cursor.isFinished());
                return null;
            });
        }
    }

    int size() {
        return masters.size();
    }

    /** SIGKILLs master {@code i}: its slots stop answering; the others keep theirs. */
    void kill(int i) throws InterruptedException {
        masters.get(i).kill();
    }

    /** Runs {@code call} on a plain connection to master {@code i}. */
    <T> T on(int i, java.util.function.Function<RedisCommands<String, String>, T> call) {
        RedisClient client = RedisClient.create(seed(i));
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return call.apply(c.sync());
        } finally {
            client.shutdown();
        }
    }

    private void awaitState(String state, Duration timeout) throws InterruptedException {
        Eventually.await("every node at cluster_state:" + state, timeout, () -> {
            boolean all = true;
            for (int i = 0; i < masters.size(); i++) {
                String info = on(i, RedisCommands::clusterInfo);
                // Every node must also see every slot served: gossip spreads slot ownership after the MEETs,
                // and a client that loads its topology from a node that does not yet cannot route those slots.
                all &= info.contains("cluster_state:" + state) && info.contains("cluster_known_nodes:" + masters.size())
                    && info.contains("cluster_slots_ok:" + SLOTS);
            }
            return all;
        }, () -> on(0, RedisCommands::clusterInfo));
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (KillableRedis m : masters)
            m.close();
    }
}
