package io.shardcache.redis.internal;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A Lua script run by its SHA-1 ({@code EVALSHA}), sent in full ({@code EVAL}, which also caches
 * it) only when the server answers {@code NOSCRIPT}: after a restart, a {@code SCRIPT FLUSH}, or on
 * a server that never saw it. So the script text crosses the network once per server, not once
 * per call. Immutable.
 */
public final class LuaScript {

    private final String text;
    private final String sha;

    public LuaScript(String text) {
        this.text = text;
        try {
            this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }

    /**
     * Runs a script that returns an integer ({@link ScriptOutputType#INTEGER}) on {@code commands};
     * whatever Lettuce throws (timeouts, a disconnected connection, a script error) propagates, for
     * the caller to map.
     */
    public Long runInteger(RedisClusterCommands<String, byte[]> commands, String[] keys, byte[]... args) {
        return (Long) run(commands, ScriptOutputType.INTEGER, keys, args);
    }

    /** As {@link #runInteger}, for a script that returns a table ({@link ScriptOutputType#MULTI}). */
    @SuppressWarnings("unchecked")   // Lettuce's MULTI output is a List<Object>
    public List<Object> runMulti(RedisClusterCommands<String, byte[]> commands, String[] keys, byte[]... args) {
        return (List<Object>) run(commands, ScriptOutputType.MULTI, keys, args);
    }

    private Object run(RedisClusterCommands<String, byte[]> commands, ScriptOutputType type, String[] keys, byte[]... args) {
        try {
            return commands.<Object>evalsha(sha, type, keys, args);
        } catch (RedisNoScriptException e) {
            return commands.<Object>eval(text, type, keys, args);
        }
    }

    /** The SHA-1 that {@code EVALSHA} names the script by (lower-case hex). */
    public String sha() {
        return sha;
    }
}
