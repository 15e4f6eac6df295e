package io.shardcache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The Redis Cluster test harness itself: three masters form a cluster whose slots are spread over
 * all of them, a cluster client reaches every one, and a killed master takes only its own slots down.
 */
class RedisClusterProcessesIT {

    @Test
    void threeMastersServeTheirSlotsAndAKilledOneTakesOnlyItsOwnDown() throws Exception {
        try (RedisClusterProcesses cluster = RedisClusterProcesses.start(3)) {
            RedisURI seed = RedisURI.create(cluster.seed(0));
            seed.setTimeout(Duration.ofSeconds(1));
            RedisClusterClient client = RedisClusterClient.create(seed);
            try (StatefulRedisClusterConnection<String, String> c = client.connect()) {
                RedisAdvancedClusterCommands<String, String> redis = c.sync();
                Set<Integer> owners = new HashSet<>();
                for (int i = 0; i < 30; i++) {
                    String key = "k" + i;
                    redis.set(key, "v" + i);
                    owners.add(ownerOf(cluster, redis.clusterKeyslot(key).intValue()));
                }
                assertThat(owners).as("masters holding the 30 keys").containsExactlyInAnyOrder(0, 1, 2);
                assertThat(redis.get("k7")).isEqualTo("v7");

                String onMaster2 = keyOwnedBy(cluster, redis, 2), onMaster0 = keyOwnedBy(cluster, redis, 0);
                cluster.kill(2);
                assertThatThrownBy(() -> redis.get(onMaster2)).isInstanceOf(RedisException.class);
                assertThat(redis.get(onMaster0)).as("a key of a master still up").isNotNull();
            } finally {
                client.shutdown();
            }
        }
    }

    private static int ownerOf(RedisClusterProcesses cluster, int slot) {
        return cluster.masterOf(slot);
    }

    private static String keyOwnedBy(RedisClusterProcesses cluster, RedisAdvancedClusterCommands<String, String> redis, int master) {
        for (int i = 0; ; i++)
            if (ownerOf(cluster, redis.clusterKeyslot("k" + i).intValue()) == master)
                return "k" + i;
    }
}
