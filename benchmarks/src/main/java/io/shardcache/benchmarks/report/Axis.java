package io.shardcache.benchmarks.report;

import java.util.Objects;

/**
 * One axis of a chart: its title and its {@link Scale}. Immutable.
 *
 * @param title what the axis shows, with its unit ("latency (µs, log scale)")
 */
public record Axis(String title, Scale scale) {

    public Axis {
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(scale, "scale");
    }

    /** {@code v}'s place on this axis, from 0 to 1; the message of a refusal names the axis. */
    double fraction(double v) {
        try {
            return scale.fraction(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("axis '" + title + "': " + e.getMessage(), e);
        }
    }
}
