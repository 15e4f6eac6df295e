package io.shardcache.redis;

import io.shardcache.query.spi.CacheBackend;
import io.shardcache.testing.Eventually;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Writes down what a watcher hears, as text, in order: {@code G counter=value}, {@code E key}, {@code live}, {@code down}. */
final class Recorder implements CacheBackend.Watcher {
    private final List<String> events = new ArrayList<>();

    @Override
    public synchronized void generationChanged(String counter, long value) {
        events.add("G " + counter + "=" + value);
    }

    @Override
    public synchronized void entryChanged(String key) {
        events.add("E " + key);
    }

    @Override
    public synchronized void connectionChanged(boolean live) {
        events.add(live ? "live" : "down");
    }

    synchronized List<String> events() {
        return List.copyOf(events);
    }

    /** Waits until at least {@code count} events were heard, at most 15 s. */
    void await(int count) throws InterruptedException {
        Eventually.await(count + " events heard", Duration.ofSeconds(15), () -> events().size() >= count, this::events);
    }
}
