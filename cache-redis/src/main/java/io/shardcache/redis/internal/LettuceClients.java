package io.shardcache.redis.internal;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.MaintNotificationsConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.shardcache.query.internal.CloseAll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;

/**
 * The Lettuce side of a {@code RedisCacheBackend}: its threads ({@link ClientResources}), the client
 * of its values connection (a {@link RedisClient}, or a {@link RedisClusterClient}) and the plain
 * client of its change feed (the same one for one server), all set for a cache rather than a queue:
 * commands are rejected while disconnected (a write replayed after a reconnect could bring back an
 * entry invalidated meanwhile), each times out after the command timeout, at most
 * {@code requestQueueSize} wait to be sent, and a dropped connection reconnects by itself, backing
 * off up to {@value #RECONNECT_DELAY_CAP_MILLIS} ms (so a server back after an outage is used again,
 * and the bumps of writes made meanwhile land, soon after). Thread-safe.
 */
public final class LettuceClients implements AutoCloseable {

    /** The longest wait between two reconnection attempts of a connection that dropped. */
    public static final long RECONNECT_DELAY_CAP_MILLIS = 250;

    private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    private final ClientResources resources;
    private final AbstractRedisClient values;
    private final RedisClient feeds;
    private final List<RedisURI> uris;
    private final Duration commandTimeout;

    private LettuceClients(ClientResources resources, AbstractRedisClient values, RedisClient feeds, List<RedisURI> uris,
                           Duration commandTimeout) {
        this.resources = resources;
        this.values = values;
        this.feeds = feeds;
        this.uris = uris;
        this.commandTimeout = commandTimeout;
    }

    /**
     * The clients for {@code servers}; nothing connects yet.
     *
     * @param meterRegistry a Micrometer {@code MeterRegistry} to record command latencies in, or null
     */
    public static LettuceClients create(RedisServers servers, Duration commandTimeout, int requestQueueSize, int readConnections,
                                        @Nullable Object meterRegistry, @Nullable TrustManagerFactory trust) {
        ClientResources.Builder r = ClientResources.builder()
            // An I/O thread per read connection, one more for the change feed's; 2 is Lettuce's minimum.
            .ioThreadPoolSize(Math.max(2, readConnections + 1))
            .computationThreadPoolSize(2)
            .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofMillis(RECONNECT_DELAY_CAP_MILLIS), 2,
                TimeUnit.MILLISECONDS));
        if (meterRegistry != null)
            LettuceMeters.recordLatencies(r, meterRegistry);
        ClientResources resources = r.build();
        List<RedisURI> uris = servers.lettuceUris(commandTimeout);
        RedisClient feeds = null;
        try {
            feeds = RedisClient.create(resources);
            feeds.setOptions(options(ClientOptions.builder(), commandTimeout, requestQueueSize, trust).build());
            AbstractRedisClient values = feeds;
            if (servers.cluster()) {
                RedisClusterClient c = RedisClusterClient.create(resources, uris);
                ClusterClientOptions.Builder o = ClusterClientOptions.builder()
                    // Learn of a failover or a node gone soon, whether told (MOVED, ASK, reconnects) or not.
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enablePeriodicRefresh(Duration.ofSeconds(10))
                        .enableAllAdaptiveRefreshTriggers()
                        .build());
                c.setOptions((ClusterClientOptions) options(o, commandTimeout, requestQueueSize, trust).build());
                values = c;
            }
            return new LettuceClients(resources, values, feeds, uris, commandTimeout);
        } catch (RuntimeException e) {
            if (feeds != null)
                feeds.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            shutDown(resources);
            throw e;
        }
    }

    /** The client of the values connection: a {@link RedisClient}, or a {@link RedisClusterClient}. */
    public AbstractRedisClient values() {
        return values;
    }

    /** A values connection, not yet connecting: to the server, or to the cluster (which routes each key to its node). */
    public LazyConnection lazyConnection(Failures failures) {
        return new LazyConnection(opener(), commandTimeout, failures);
    }

    /** The change feed of {@code channel}, on the feed client. */
    public ChangeFeed changeFeed(String channel) {
        return new ChangeFeed(feeds, uris, channel, resources.eventExecutorGroup());
    }

    /** Shuts the clients and their threads down. */
    @Override
    public void close() {
        // For one server the values client is the feed client, this very object: shut it down once.
        @SuppressWarnings("ReferenceEquality")
        boolean twoClients = feeds != values;
        CloseAll.run(List.of(
            () -> values.shutdown(Duration.ZERO, Duration.ofSeconds(2)),
            () -> {
                if (twoClients)
                    feeds.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            },
            () -> shutDown(resources)));
    }

    /**
     * Stops the clients' threads without waiting for them. Lettuce tells the outcome only on a Netty
     * future, whose listeners this module cannot reach (it does not read Netty), and a failure could
     * only leave threads behind in a backend that is going away: so nobody watches for it.
     */
    private static void shutDown(ClientResources resources) {
        Future<Boolean> unused = resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    /** Whether this Lettuce has maintenance notifications (7.0 and later), which must be turned off. */
    private static final boolean MAINT_NOTIFICATIONS = present("io.lettuce.core.MaintNotificationsConfig");

    private static boolean present(String name) {
        try {
            Class.forName(name, false, ClientOptions.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** The settings of a cache rather than a queue; see the class comment. */
    private static ClientOptions.Builder options(ClientOptions.Builder b, Duration commandTimeout, int requestQueueSize,
                                                 @Nullable TrustManagerFactory trust) {
        if (trust != null)
            b.sslOptions(SslOptions.builder().jdkSslProvider().trustManager(trust).build());
        b.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .autoReconnect(true)
            .requestQueueSize(requestQueueSize)
            .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
            .socketOptions(SocketOptions.builder().connectTimeout(commandTimeout).build());
        return MAINT_NOTIFICATIONS ? Lettuce7.noMaintNotifications(b) : b;
    }

    /**
     * What only Lettuce 7 has, kept in a class of its own so that Lettuce 6.8 (what Spring Boot 4.0 manages)
     * never loads it: this class is used only when its Lettuce type is there.
     */
    private static final class Lettuce7 {
        /** Maintenance notifications are a Redis Enterprise/Cloud handshake; plain Redis has nothing to say. */
        static ClientOptions.Builder noMaintNotifications(ClientOptions.Builder b) {
            return b.maintNotificationsConfig(MaintNotificationsConfig.disabled());
        }
    }

    /** One connection attempt: to the server, or to the cluster. */
    private Supplier<CompletableFuture<LazyConnection.Opened>> opener() {
        if (values instanceof RedisClusterClient cluster)
            // A cluster connection needs the topology first; loading it blocks, so on a thread of its own.
            return () -> CompletableFuture.supplyAsync(cluster::getPartitions, task -> Thread.ofVirtual().start(task))
                .thenCompose(topology -> cluster.connectAsync(CODEC))
                .thenCompose(LettuceClients::withNodeConnections)
                .thenApply(c -> new LazyConnection.Opened(c.sync(), c));
        RedisClient single = (RedisClient) values;
        RedisURI server = uris.getFirst();
        return () -> single.connectAsync(CODEC, server).toCompletableFuture().thenApply(c -> new LazyConnection.Opened(c.sync(), c));
    }

    /**
     * {@code c} once its connection to every master is open. Lettuce opens a node's connection on
     * the first command for it, and a command sent while that connection is still being made is
     * rejected (commands are not queued while disconnected). A master that does not answer is left
     * to that first command; the others are ready.
     */
    private static CompletableFuture<StatefulRedisClusterConnection<String, byte[]>> withNodeConnections(
            StatefulRedisClusterConnection<String, byte[]> c) {
        List<CompletableFuture<?>> opening = new ArrayList<>();
        for (RedisClusterNode node : c.getPartitions())
            if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.is(RedisClusterNode.NodeFlag.FAIL))
                // By host and port: the key under which Lettuce routes a slot's commands.
                opening.add(c.getConnectionAsync(node.getUri().getHost(), node.getUri().getPort()).exceptionally(error -> null));
        return CompletableFuture.allOf(opening.toArray(CompletableFuture[]::new)).thenApply(done -> c);
    }
}
