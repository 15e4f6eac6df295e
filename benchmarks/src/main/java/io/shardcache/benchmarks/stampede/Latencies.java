package io.shardcache.benchmarks.stampede;

import java.util.Arrays;
import java.util.Locale;

/** Percentiles of caller latencies, by nearest rank (p99 of 200 values is the 198th smallest). */
final class Latencies {

    private final long[] sortedMicros;

    Latencies(long[] micros) {
        this.sortedMicros = micros.clone();
        Arrays.sort(sortedMicros);
    }

    int count() {
        return sortedMicros.length;
    }

    /**
     * The smallest value with at least {@code p} of all values at or below it; 0 for no values.
     *
     * @param p in (0, 1]
     */
    long percentileMicros(double p) {
        if (!(p > 0 && p <= 1))
            throw new IllegalArgumentException("percentile must be in (0, 1], got " + p);
        if (sortedMicros.length == 0)
            return 0;
        int rank = (int) Math.ceil(p * sortedMicros.length);
        return sortedMicros[Math.max(0, rank - 1)];
    }

    long maxMicros() {
        return sortedMicros.length == 0 ? 0 : sortedMicros[sortedMicros.length - 1];
    }

    /** Milliseconds with one decimal, as the report prints them. */
    static String ms(long micros) {
        return String.format(Locale.ROOT, "%.1f", micros / 1000.0);
    }
}
