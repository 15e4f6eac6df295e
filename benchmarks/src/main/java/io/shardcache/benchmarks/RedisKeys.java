package io.shardcache.benchmarks;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.sync.RedisKeyCommands;
import io.lettuce.core.api.sync.RedisStringCommands;
import java.nio.charset.StandardCharsets;

/**
 * The keys of a run on a shared Redis: where a region's entry lives, and cleaning up after the run
 * (only the run's own keys, never {@code FLUSHALL}).
 */
public final class RedisKeys {

    private RedisKeys() {
    }

    /** Deletes every key that starts with {@code prefix} (SCAN + UNLINK); returns how many. */
    public static long deleteUnder(RedisKeyCommands<String, ?> redis, String prefix) {
        ScanArgs match = ScanArgs.Builder.matches(glob(prefix) + "*").limit(1000);
        long deleted = 0;
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = redis.scan(cursor, match);
            if (!page.getKeys().isEmpty())
                deleted += redis.unlink(page.getKeys().toArray(String[]::new));
            cursor = page;
        } while (!cursor.isFinished());
        return deleted;
    }

    /**
     * The Redis key of the entry {@code hash} in {@code region} under the backend's {@code prefix}, in
     * the region's current generation (a counter created at the server's clock when first read, so
     * never a constant).
     *
     * @throws IllegalStateException if the region's generation counter is not there (nothing read yet)
     */
    public static String entryKey(RedisStringCommands<String, byte[]> redis, String prefix, String region, String hash) {
        String counter = prefix + "gen:region:" + region;
        byte[] generation = redis.get(counter);
        if (generation == null)
            throw new IllegalStateException("no generation counter " + counter + ": read the region through the cache first");
        return prefix + region + ":" + new String(generation, StandardCharsets.US_ASCII) + ":" + hash;
    }

    /** {@code s} as a literal in a Redis glob pattern. */
    static String glob(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ("*?[]\\".indexOf(c) >= 0)
                b.append('\\');
            b.append(c);
        }
        return b.toString();
    }
}
