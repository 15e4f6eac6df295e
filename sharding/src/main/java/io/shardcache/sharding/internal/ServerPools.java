package io.shardcache.sharding.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.shardcache.sharding.PhysicalServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import org.jooq.ConnectionProvider;
import org.jooq.impl.DataSourceConnectionProvider;

/**
 * The pools of one physical server: its primary, its replicas, and the fan-out permits that keep a
 * fan-out from asking the primary pool for more connections than it has.
 *
 * <p>Pools are created with {@code initializationFailTimeout = -1}: HikariCP then starts without a first
 * connection and keeps trying in the background, so a server that is down when the application starts
 * fails only the queries sent to it (after {@code connectionTimeout}), never the start itself. Thread-safe.
 */
public final class ServerPools implements AutoCloseable {

    private final PhysicalServer server;
    private final HikariDataSource primary;
    private final List<HikariDataSource> replicas;
    private final ConnectionProvider primaryProvider;
    private final ReplicaSet replicaSet;
    private final Semaphore fanOutPermits;

    public ServerPools(String mapName, PhysicalServer server, HikariConfig primaryConfig, List<HikariConfig> replicaConfigs) {
        this.server = server;
        List<HikariDataSource> opened = new ArrayList<>();
        try {
            this.primary = open(primaryConfig, "shardcache-" + mapName + "-" + server.name());
            opened.add(primary);
            List<HikariDataSource> rs = new ArrayList<>();
            for (int i = 0; i < replicaConfigs.size(); i++) {
                HikariDataSource r = open(replicaConfigs.get(i), "shardcache-" + mapName + "-" + server.name() + "-replica-" + i);
                opened.add(r);
                rs.add(r);
            }
            this.replicas = List.copyOf(rs);
        } catch (RuntimeException e) {
            opened.forEach(HikariDataSource::close);
            throw e;
        }
        this.primaryProvider = new DataSourceConnectionProvider(primary);
        this.replicaSet = new ReplicaSet(server, primary, replicas);
        this.fanOutPermits = new Semaphore(Math.max(1, primary.getMaximumPoolSize()), true);
    }

    private static HikariDataSource open(HikariConfig config, String defaultName) {
        if (config.getPoolName() == null)
            config.setPoolName(defaultName);
        config.setInitializationFailTimeout(-1);
        return new HikariDataSource(config);
    }

    public PhysicalServer server() {
        return server;
    }

    public HikariDataSource primary() {
        return primary;
    }

    public List<HikariDataSource> replicas() {
        return replicas;
    }

    public ConnectionProvider primaryProvider() {
        return primaryProvider;
    }

    public ReplicaSet replicaSet() {
        return replicaSet;
    }

    public Semaphore fanOutPermits() {
        return fanOutPermits;
    }

    @Override
    public void close() {
        for (HikariDataSource r : replicas)
            r.close();
        primary.close();
    }
}
