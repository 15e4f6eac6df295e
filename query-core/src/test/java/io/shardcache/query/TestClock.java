package io.shardcache.query;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/** A clock tests move by hand, so TTLs pass without sleeping. */
final class TestClock implements InstantSource {

    private final AtomicLong nanos = new AtomicLong(Instant.parse("2026-01-01T00:00:00Z").toEpochMilli() * 1_000_000L);

    @Override
    public Instant instant() {
        long n = nanos.get();
        return Instant.ofEpochSecond(n / 1_000_000_000L, n % 1_000_000_000L);
    }

    void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }
}
