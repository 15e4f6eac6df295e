package io.shardcache.benchmarks.report;

import java.util.Arrays;
import java.util.TreeSet;

/**
 * The distribution of a set of measurements, read by nearest rank: the p-th percentile is the
 * smallest value with at least p % of all values at or below it (p50 of 1..200 is 100, p99 is 198;
 * p0 is the minimum, p100 the maximum). No interpolation: every percentile is a value that was
 * measured. Immutable and thread-safe.
 */
public final class Percentiles {

    private final double[] sorted;

    private Percentiles(double[] sorted) {
        this.sorted = sorted;
    }

    /**
     * The distribution of {@code values}, which are copied.
     *
     * @throws IllegalArgumentException if there are no values, or one is NaN or infinite
     */
    public static Percentiles of(double... values) {
        if (values.length == 0)
            throw new IllegalArgumentException("percentiles need at least one value");
        for (double v : values)
            if (!Double.isFinite(v))
                throw new IllegalArgumentException("percentiles need finite values, got " + v);
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return new Percentiles(sorted);
    }

    public int count() {
        return sorted.length;
    }

    public double max() {
        return sorted[sorted.length - 1];
    }

    /**
     * The {@code percent}-th percentile: the smallest value with at least that share of all values at
     * or below it.
     *
     * @param percent from 0 to 100
     * @throws IllegalArgumentException for a percent outside [0, 100]
     */
    public double at(double percent) {
        if (!(percent >= 0 && percent <= 100))
            throw new IllegalArgumentException("a percentile is between 0 and 100, got " + percent);
        // 99.9 % of 20,000 is 19,980, but 99.9 * 20,000 / 100 is 19,980.000000000004 in doubles: not rank 19,981.
        long rank = (long) Math.ceil(percent * sorted.length / 100 - 1e-9);
        return sorted[(int) Math.max(0, Math.min(sorted.length, rank) - 1)];
    }

    /** {@link #at} of each percent. */
    public double[] at(double[] percents) {
        return Arrays.stream(percents).map(this::at).toArray();
    }

    /**
     * Percentiles for a curve on an axis of nines ({@link Plots.PercentileAxis#NINES}): {@code perNine}
     * evenly spaced points per nine from p0 up to {@code maxNines} nines (p99.99 for 4), plus every one
     * of {@code include}, each rounded to 4 decimals, ascending, without duplicates.
     */
    public static double[] ninesGrid(int maxNines, int perNine, double... include) {
        TreeSet<Double> grid = new TreeSet<>();
        for (int k = 0; k <= maxNines * perNine; k++)
            grid.add(round4(100 * (1 - Math.pow(10, -k / (double) perNine))));
        for (double p : include)
            grid.add(round4(p));
        return grid.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** 0, step, 2 step, ... up to 100 (which is always included). */
    public static double[] linearGrid(double step) {
        if (!(step > 0 && step <= 100))
            throw new IllegalArgumentException("a grid step is in (0, 100], got " + step);
        TreeSet<Double> grid = new TreeSet<>();
        for (int k = 0; k * step < 100; k++)
            grid.add(round4(k * step));
        grid.add(100.0);
        return grid.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double round4(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }
}
