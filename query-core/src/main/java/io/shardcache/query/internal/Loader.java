package io.shardcache.query.internal;

/** Runs a cached read's query on the database, for {@link DogpileEngine#fetch}. */
public interface Loader {
    Loaded load() throws Exception;

    /** A loader safe to run later on another thread (its inputs copied); the default is itself. */
    default Loader detached() {
        return this;
    }

    /**
     * False when the loader must run on the caller's thread, e.g. on a user's single connection,
     * which a background thread must not use while its owner does; such refreshes run inline.
     */
    default boolean detachable() {
        return true;
    }
}
