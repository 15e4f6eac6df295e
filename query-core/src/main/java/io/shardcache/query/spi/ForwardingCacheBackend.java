package io.shardcache.query.spi;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A backend that does what another does: extend it to decorate a backend (count calls, add metrics
 * or tracing) by overriding only the methods that change. Every method, {@link #read} included,
 * goes to the delegate, so a decorator never silently turns the delegate's one-round-trip read into
 * one call per counter, nor its atomic checked store into a racy one. {@link #close()} closes the delegate; override it when the delegate is owned elsewhere.
 *
 * <p>As thread-safe as the delegate and the overriding methods.
 */
public abstract class ForwardingCacheBackend implements CacheBackend {

    private final CacheBackend delegate;

    protected ForwardingCacheBackend(CacheBackend delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** The backend calls go to. */
    protected CacheBackend delegate() {
        return delegate;
    }

    @Override
    public byte @Nullable [] get(String region, String key) {
        return delegate.get(region, key);
    }

    @Override
    public Read read(String region, String key, List<String> counters) {
        return delegate.read(region, key, counters);
    }

    @Override
    public List<Read> readAll(List<ReadRequest> requests) {
        return delegate.readAll(requests);
    }

    @Override
    public boolean putIfGenerations(String region, String key, byte[] entry, Duration timeToLive, List<String> counters,
                                    long[] expected) {
        return delegate.putIfGenerations(region, key, entry, timeToLive, counters, expected);
    }

    @Override
    public void put(String region, String key, byte[] entry, Duration timeToLive) {
        delegate.put(region, key, entry, timeToLive);
    }

    @Override
    public boolean delete(String region, String key) {
        return delegate.delete(region, key);
    }

    @Override
    public long generation(String counter) {
        return delegate.generation(counter);
    }

    @Override
    public long incrementGeneration(String counter) {
        return delegate.incrementGeneration(counter);
    }

    @Override
    public long[] incrementGenerations(List<String> counters) {
        return delegate.incrementGenerations(counters);
    }

    @Override
    public long[] incrementGenerationsNow(List<String> counters) {
        return delegate.incrementGenerationsNow(counters);
    }

    @Override
    public boolean breaksPerServer() {
        return delegate.breaksPerServer();
    }

    @Override
    public boolean isRemote() {
        return delegate.isRemote();
    }

    @Override
    public java.util.Map<String, Circuit.State> circuits() {
        return delegate.circuits();
    }

    @Override
    public void announceEntryChanged(String region, String key) {
        delegate.announceEntryChanged(region, key);
    }

    @Override
    public boolean watch(Watcher watcher) {
        return delegate.watch(watcher);
    }

    @Override
    public void unwatch(Watcher watcher) {
        delegate.unwatch(watcher);
    }

    @Override
    public RegenerationLocks locks() {
        return delegate.locks();
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
