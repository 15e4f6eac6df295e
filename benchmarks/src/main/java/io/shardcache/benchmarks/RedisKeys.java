package io.shardcache.benchmarks;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.sync.RedisKeyCommands;

/** Cleaning up after a run on a shared Redis: only the run's own keys, never {@code FLUSHALL}. */
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

    /** {@code s} as a literal in a Redis glob pattern. */
    static String glob(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            if ("*?[]\\".indexOf(c) >= 0)
                b.append('\\');
            b.append(c);
        }
        return b.toString();
    }
}
