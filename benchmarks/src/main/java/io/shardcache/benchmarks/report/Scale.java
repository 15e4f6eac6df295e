package io.shardcache.benchmarks.report;

import java.util.ArrayList;
import java.util.List;

/**
 * How an axis maps values onto its length: {@link #fraction} gives 0 at one end, 1 at the other.
 * Three kinds: {@link Linear}, {@link Log} (base 10) and {@link Nines}, the percentile axis on which
 * p90, p99, p99.9 ... are evenly spaced. Immutable. A value the scale cannot place (outside its
 * range, not positive on a log scale, p100 on a nines scale) is refused with an
 * {@link IllegalArgumentException} that says why, never drawn off the chart.
 */
public sealed interface Scale {

    /** A labelled position on an axis. */
    record Tick(double value, String label) {
    }

    /** Where {@code v} lies between the scale's ends, from 0 to 1. */
    double fraction(double v);

    /** The labelled positions, in ascending order. */
    List<Tick> ticks();

    /** From {@code min} to {@code max}, evenly. */
    record Linear(double min, double max) implements Scale {

        public Linear {
            if (!Double.isFinite(min) || !Double.isFinite(max) || !(max > min))
                throw new IllegalArgumentException("a linear scale needs finite min < max, got [" + min + ", " + max + "]");
        }

        /** From 0 to a round number at or above {@code largest} (at least 1). */
        public static Linear fromZeroTo(double largest) {
            if (!(largest >= 0) || Double.isInfinite(largest))
                throw new IllegalArgumentException("a scale from zero needs a finite largest value >= 0, got " + largest);
            double top = Math.max(largest, 1);
            double step = roundStep(top / 5);
            return new Linear(0, Math.ceil(top / step - 1e-9) * step);
        }

        @Override
        public double fraction(double v) {
            if (!(v >= min - 1e-9 * (max - min) && v <= max + 1e-9 * (max - min)))
                throw new IllegalArgumentException("the linear scale [" + min + ", " + max + "] cannot show " + v);
            return (v - min) / (max - min);
        }

        /** About five round steps (1, 2 or 5 times a power of ten). */
        @Override
        public List<Tick> ticks() {
            double step = roundStep((max - min) / 5);
            List<Tick> out = new ArrayList<>();
            for (long i = (long) Math.ceil(min / step - 1e-9); i * step <= max + step * 1e-9; i++)
                out.add(new Tick(i * step, Svg.label(i * step)));
            return out;
        }
    }

    /** From {@code min} to {@code max}, both positive, each power of ten the same length. */
    record Log(double min, double max) implements Scale {

        public Log {
            if (!(min > 0) || Double.isInfinite(max))
                throw new IllegalArgumentException("a log scale needs positive values, got a minimum of " + min
                    + " (0 and negative values have no place on it)");
            if (!(max > min))
                throw new IllegalArgumentException("a log scale needs min < max, got [" + min + ", " + max + "]");
        }

        /**
         * From the power of ten at or below {@code smallest} to the one at or above {@code largest}.
         *
         * @throws IllegalArgumentException if {@code smallest} is not positive
         */
        public static Log covering(double smallest, double largest) {
            if (!(smallest > 0))
                throw new IllegalArgumentException("a log scale cannot show " + smallest + ": only values > 0");
            double lo = Math.pow(10, Math.floor(Math.log10(smallest)));
            double hi = Math.pow(10, Math.ceil(Math.log10(largest)));
            return new Log(lo, hi > lo ? hi : lo * 10);
        }

        @Override
        public double fraction(double v) {
            if (!(v > 0))
                throw new IllegalArgumentException("a log scale cannot show " + v + ": only values > 0");
            if (v < min * (1 - 1e-9) || v > max * (1 + 1e-9))
                throw new IllegalArgumentException("the log scale [" + min + ", " + max + "] cannot show " + v);
            return Math.log10(v / min) / Math.log10(max / min);
        }

        /** Each power of ten; over three decades or fewer, also 2 and 5 times each. */
        @Override
        public List<Tick> ticks() {
            boolean fine = Math.log10(max / min) <= 3.0001;
            List<Tick> out = new ArrayList<>();
            for (double decade = Math.pow(10, Math.floor(Math.log10(min))); decade <= max * (1 + 1e-9); decade *= 10)
                for (double m : fine ? new double[] {1, 2, 5} : new double[] {1}) {
                    double t = decade * m;
                    if (t >= min * (1 - 1e-9) && t <= max * (1 + 1e-9))
                        out.add(new Tick(t, Svg.label(t)));
                }
            return out;
        }
    }

    /**
     * Percentiles from p0 to the one with {@code maxNines} nines (4: p99.99), placed at
     * {@code -log10(1 - p/100)}: p0 at 0, p90 at 1, p99 at 2, ... so each nine gets the same length.
     */
    record Nines(int maxNines) implements Scale {

        public Nines {
            if (maxNines < 1 || maxNines > 9)
                throw new IllegalArgumentException("a nines scale needs 1 to 9 nines, got " + maxNines);
        }

        /** The highest percentile this scale shows, e.g. 99.99 for 4 nines. */
        public double maxPercentile() {
            return 100 * (1 - Math.pow(10, -maxNines));
        }

        @Override
        public double fraction(double percentile) {
            if (!(percentile >= 0 && percentile < 100))
                throw new IllegalArgumentException("a nines scale shows percentiles from 0 up to " + Svg.label(maxPercentile())
                    + ", not " + percentile + (percentile == 100 ? " (p100, the maximum, is infinitely far right on it)" : ""));
            double f = -Math.log10(1 - percentile / 100) / maxNines;
            if (f > 1 + 1e-9)
                throw new IllegalArgumentException("this nines scale ends at p" + Svg.label(maxPercentile()) + "; it cannot show p" + percentile);
            return f;
        }

        /** p0, p50, p90, p99, p99.9, ... */
        @Override
        public List<Tick> ticks() {
            List<Tick> out = new ArrayList<>(List.of(new Tick(0, "0"), new Tick(50, "50")));
            for (int n = 1; n <= maxNines; n++) {
                double p = Math.round(100 * (1 - Math.pow(10, -n)) * 1e6) / 1e6;
                out.add(new Tick(p, Svg.label(p)));
            }
            return out;
        }
    }

    /** 1, 2 or 5 times a power of ten, the smallest at or above {@code raw}. */
    private static double roundStep(double raw) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double r = raw / magnitude;
        return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * magnitude;
    }
}
