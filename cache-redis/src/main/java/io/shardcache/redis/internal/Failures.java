package io.shardcache.redis.internal;

import io.lettuce.core.RedisCommandTimeoutException;
import io.shardcache.query.CacheBackendException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.redisson.client.RedisTimeoutException;

/**
 * Turns what Lettuce and Redisson throw into {@link CacheBackendException}s whose message says
 * which server (never its password), which command on which key, why, and under which command
 * timeout, e.g.
 * {@code Redis redis://10.0.0.5:6379: GET 'shardcache:items:0:9f3a...' failed: no answer within commandTimeout=200ms}.
 * The library's exception is chained as the cause. Immutable.
 */
public final class Failures {

    private final RedisServers servers;
    private final Duration commandTimeout;

    public Failures(RedisServers servers, Duration commandTimeout) {
        this.servers = servers;
        this.commandTimeout = commandTimeout;
    }

    /** {@code command} on {@code key} failed with {@code error} (unwrapped from future wrappers). */
    public CacheBackendException of(String command, String key, Throwable error) {
        Throwable cause = unwrap(error);
        String reason = isTimeout(cause)
            ? "no answer within commandTimeout=" + commandTimeout.toMillis() + "ms"
            : describe(cause) + " (commandTimeout=" + commandTimeout.toMillis() + "ms)";
        return new CacheBackendException(message(command, key, reason), cause);
    }

    /** {@code command} on {@code key} failed for {@code reason}, with no library exception to chain. */
    public CacheBackendException of(String command, String key, String reason) {
        return new CacheBackendException(message(command, key, reason + " (commandTimeout=" + commandTimeout.toMillis() + "ms)"));
    }

    private String message(String command, String key, String reason) {
        return servers.scrub("Redis " + servers.describe() + ": " + command + " '" + key + "' failed: " + reason);
    }

    /** What {@code e} wraps: the task's own failure (itself if it wraps nothing). */
    public static Throwable causeOf(ExecutionException e) {
        Throwable cause = e.getCause();
        return cause != null ? cause : e;
    }

    /** The exception a future failed with, without {@link CompletionException}/{@link ExecutionException} wrappers. */
    public static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null)
            t = t.getCause();
        return t;
    }

    private static boolean isTimeout(Throwable t) {
        return t instanceof RedisCommandTimeoutException || t instanceof RedisTimeoutException
            || t instanceof TimeoutException;
    }

    private static String describe(Throwable t) {
        StringBuilder s = new StringBuilder(t.getClass().getSimpleName());
        if (t.getMessage() != null)
            s.append(": ").append(t.getMessage());
        // Connection failures hide the useful part ("Connection refused") one level down.
        Throwable root = t.getCause();
        if (root != null && root.getMessage() != null && (t.getMessage() == null || !t.getMessage().contains(root.getMessage())))
            s.append(" (").append(root.getClass().getSimpleName()).append(": ").append(root.getMessage()).append(')');
        return s.toString();
    }
}
