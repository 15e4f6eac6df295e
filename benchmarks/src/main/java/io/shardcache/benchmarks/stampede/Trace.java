package io.shardcache.benchmarks.stampede;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A child's timeline of what happened to the stampede's key (GO, lock calls, the regeneration, the
 * store), on the wall clock in microseconds, so that the parent can merge the children's timelines:
 * they run on one machine, one clock. Events are names without spaces, commas or '@'. Thread-safe.
 */
final class Trace {

    record Event(String name, long epochMicros) {
        String format() {
            return name + "@" + epochMicros;
        }

        static Event parse(String s) {
            int at = s.lastIndexOf('@');
            if (at <= 0)
                throw new IllegalArgumentException("trace event without '@': '" + s + "'");
            return new Event(s.substring(0, at), Long.parseLong(s.substring(at + 1)));
        }
    }

    private static final Clock CLOCK = Clock.systemUTC();
    private final ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();

    static long nowMicros() {
        Instant now = CLOCK.instant();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    void add(String name) {
        add(name, nowMicros());
    }

    void add(String name, long epochMicros) {
        events.add(new Event(name, epochMicros));
    }

    void reset() {
        events.clear();
    }

    List<Event> events() {
        return new ArrayList<>(events);
    }
}
