package io.shardcache.query.internal;

import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/**
 * The context every key of a caching DSL begins with: the codec version, the DSL's dialect and render
 * settings, its scope (a logical shard), and the session inputs of its connections
 * ({@link SessionInputs}), which are read the first time a key is needed and then kept.
 *
 * <p>Thread-safe; concurrent first callers may each build the context once, which is harmless.
 */
public final class KeyContext {

    private final String scope;
    private final String[] parts;
    private final SessionInputs session;
    private volatile KeyMaterial.@Nullable Context resolved;

    KeyContext(String scope, SessionInputs session, String... parts) {
        this.scope = scope;
        this.parts = parts.clone();
        this.session = session;
    }

    /** The context's bytes; the first call reads the session inputs, on a connection borrowed for it. */
    KeyMaterial.Context get() throws SQLException {
        KeyMaterial.Context c = resolved;
        if (c == null) {
            String[] all = java.util.Arrays.copyOf(parts, parts.length + 1);
            all[parts.length] = session.snapshot().material();
            resolved = c = KeyMaterial.context(ResultCodec.VERSION, scope, all);
        }
        return c;
    }

    /**
     * The context if its session inputs have been read, else one that says they were not: for naming
     * a read that bypasses the cache (inside a transaction) to listeners, without a round trip for the
     * inputs of a provider that may serve only that transaction. Never used to look up or store.
     */
    KeyMaterial.Context known() {
        KeyMaterial.Context c = resolved;
        if (c != null)
            return c;
        String[] all = java.util.Arrays.copyOf(parts, parts.length + 1);
        all[parts.length] = "session inputs not read";
        return KeyMaterial.context(ResultCodec.VERSION, scope, all);
    }

    SessionInputs session() {
        return session;
    }

    String scope() {
        return scope;
    }
}
