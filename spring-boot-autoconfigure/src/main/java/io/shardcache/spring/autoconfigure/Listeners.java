package io.shardcache.spring.autoconfigure;

import io.shardcache.query.CacheKey;
import io.shardcache.query.spi.CacheListener;
import io.shardcache.query.spi.LockWaitOutcome;
import io.shardcache.query.spi.SkipReason;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Every {@link CacheListener} bean of the application (the meters among them) as the one listener a
 * {@code CachingDSL} takes. The beans are looked up on each event until the context has made every
 * singleton ({@link #settle()}), then kept: so a listener bean may depend on the DSL (as the meters' health
 * gauge does), and an event during start-up reaches the listeners made by then.
 */
final class Listeners implements CacheListener {

    private static final System.Logger LOG = System.getLogger(Listeners.class.getName());

    private final Supplier<List<CacheListener>> lookup;
    private volatile @Nullable List<CacheListener> settled;

    Listeners(Supplier<List<CacheListener>> lookup) {
        this.lookup = lookup;
    }

    /** Every listener bean exists now: look them up once more, and keep them. */
    void settle() {
        settled = List.copyOf(lookup.get());
    }

    private void each(Consumer<CacheListener> call) {
        List<CacheListener> listeners = settled;
        if (listeners == null)
            listeners = lookup.get();
        for (CacheListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {   // one listener's failure must not keep the event from the others
                LOG.log(System.Logger.Level.WARNING, "shardcache: the CacheListener " + l + " threw; ignored", e);
            }
        }
    }

    @Override
    public void hit(CacheKey key) {
        each(l -> l.hit(key));
    }

    @Override
    public void miss(CacheKey key) {
        each(l -> l.miss(key));
    }

    @Override
    public void staleServed(CacheKey key) {
        each(l -> l.staleServed(key));
    }

    @Override
    public void regenerated(CacheKey key, Duration took) {
        each(l -> l.regenerated(key, took));
    }

    @Override
    public void lockWaited(CacheKey key, Duration waited, LockWaitOutcome outcome) {
        each(l -> l.lockWaited(key, waited, outcome));
    }

    @Override
    public void skipped(CacheKey key, SkipReason reason) {
        each(l -> l.skipped(key, reason));
    }

    @Override
    public void error(CacheKey key, Throwable error) {
        each(l -> l.error(key, error));
    }

    @Override
    public void circuitOpened(String backend, Duration openFor, Throwable cause) {
        each(l -> l.circuitOpened(backend, openFor, cause));
    }

    @Override
    public void circuitClosed(String backend, Duration openFor) {
        each(l -> l.circuitClosed(backend, openFor));
    }
}
