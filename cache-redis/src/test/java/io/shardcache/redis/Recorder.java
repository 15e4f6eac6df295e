package io.shardcache.redis;

import io.shardcache.query.spi.CacheBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (events().size() < count) {
            if (System.nanoTime() > deadline)
                throw new AssertionError("heard " + events() + " in 15 s, expected " + count + " events");
            Thread.sleep(10);
        }
    }
}
