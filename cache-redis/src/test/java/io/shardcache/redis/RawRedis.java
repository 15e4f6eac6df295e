package io.shardcache.redis;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.shardcache.testing.RedisService;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain Lettuce connection for looking behind the backend's back (PTTL, EXISTS, SCAN) and for
 * deleting a test's own keys afterwards. Never FLUSHALL: the server is shared.
 */
final class RawRedis implements AutoCloseable {

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    RawRedis(RedisService redis) {
        client = RedisClient.create(redis.uri());
        connection = client.connect();
    }

    RedisCommands<String, String> commands() {
        return connection.sync();
    }

    /** Every key that starts with {@code prefix} (test prefixes hold no glob characters). */
    List<String> keys(String prefix) {
        List<String> keys = new ArrayList<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = commands().scan(cursor, ScanArgs.Builder.matches(prefix + "*").limit(1000));
            keys.addAll(page.getKeys());
            cursor = page;
        } while (!cursor.isFinished());
        return keys;
    }

    void deleteAll(String prefix) {
        List<String> keys = keys(prefix);
        if (!keys.isEmpty())
            commands().del(keys.toArray(String[]::new));
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown();
    }
}
