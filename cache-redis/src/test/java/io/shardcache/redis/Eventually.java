package io.shardcache.redis;

import io.shardcache.query.CacheBackendException;
import java.util.concurrent.TimeUnit;

/** Waits for what a Redis client does in the background: connecting, reconnecting. */
final class Eventually {

    private Eventually() {
    }

    /** A call that may throw anything. */
    interface Call {
        void run() throws Exception;
    }

    /** Retries {@code call} until it stops throwing CacheBackendException, for at most 15 s. */
    static void awaitWorking(Call call) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            try {
                call.run();
                return;
            } catch (CacheBackendException e) {
                if (System.nanoTime() > deadline)
                    throw new AssertionError("still failing after 15s", e);
                Thread.sleep(50);
            }
        }
    }
}
