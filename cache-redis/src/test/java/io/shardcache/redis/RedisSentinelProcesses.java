package io.shardcache.redis;

import io.shardcache.testing.Eventually;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One master, two replicas and three Sentinels ({@code redis-server --sentinel}), each a process of
 * this test's own on a free loopback port. The master can be killed, after which the Sentinels
 * promote a replica and point the other at it (down after 1 s, a quorum of 2); saving nothing, every
 * server starts empty.
 */
final class RedisSentinelProcesses implements AutoCloseable {

    static final String MASTER_NAME = "shardcache-test";

    private final KillableRedis master;
    private final List<KillableRedis> replicas;
    private final List<KillableRedis> sentinels;

    private RedisSentinelProcesses(KillableRedis master, List<KillableRedis> replicas, List<KillableRedis> sentinels) {
        this.master = master;
        this.replicas = replicas;
        this.sentinels = sentinels;
    }

    static RedisSentinelProcesses start() throws IOException, InterruptedException {
        KillableRedis master = KillableRedis.start();
        List<KillableRedis> replicas = new ArrayList<>();
        List<KillableRedis> sentinels = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++)
                replicas.add(KillableRedis.start(List.of("--replicaof", "127.0.0.1", String.valueOf(master.port()))));
            for (int i = 0; i < 3; i++)
                sentinels.add(KillableRedis.startSentinel(List.of(
                    "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + master.port() + " 2",
                    "sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
                    "sentinel failover-timeout " + MASTER_NAME + " 10000",
                    "sentinel parallel-syncs " + MASTER_NAME + " 1")));
            RedisSentinelProcesses set = new RedisSentinelProcesses(master, replicas, sentinels);
            set.awaitReplicasSynced();
            return set;
        } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
            for (KillableRedis s : sentinels)
                s.close();
            for (KillableRedis r : replicas)
                r.close();
            master.close();
            throw e;
        }
    }

    /** Each Sentinel's {@code redis://127.0.0.1:port}. */
    List<String> sentinelUris() {
        return sentinels.stream().map(KillableRedis::uri).toList();
    }

    KillableRedis master() {
        return master;
    }

    List<KillableRedis> replicas() {
        return replicas;
    }

    /** The port of the server the first Sentinel names as master now. */
    int masterPort() {
        io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(sentinels.getFirst().uri());
        try (var sentinel = client.connectSentinel()) {
            return ((java.net.InetSocketAddress) sentinel.sync().getMasterAddrByName(MASTER_NAME)).getPort();
        } finally {
            client.shutdown();
        }
    }

    private void awaitReplicasSynced() throws InterruptedException, IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);   // for all of them
        for (KillableRedis replica : replicas)
            try (RawRedis raw = new RawRedis(replica.service())) {
                Eventually.await("the replica on port " + replica.port() + " in sync with the master on " + master.port(), left(deadline),
                    () -> raw.commands().info("replication"), info -> info.contains("master_link_status:up"));
            }
        for (KillableRedis s : sentinels)
            try (RawRedis raw = new RawRedis(s.service())) {
                Eventually.await("Sentinel on port " + s.port() + " seeing the replicas and the other Sentinels", left(deadline),
                    () -> raw.commands().info("sentinel"), info -> info.contains("slaves=2,sentinels=3"));
            }
    }

    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (KillableRedis s : sentinels)
            s.close();
        for (KillableRedis r : replicas)
            r.close();
        master.close();
    }
}
