package io.shardcache.benchmarks.stampede;

/**
 * The query every caller of a stampede runs, in a form that counts its real executions: each one
 * calls {@code stampede.touch(<counter key>)}, which appends a row to {@code stampede.executions}
 * (see {@link StampedeDatabase}). The counter key is a bind value, so it is also part of the cache
 * key: a new key per run is a key never cached before.
 */
sealed interface StampedeQuery {

    /** {@code sleep:<ms>}: sleeps on the server, then counts. One row, the milliseconds slept. */
    record Sleep(int millis) implements StampedeQuery {

        static final int MAX_MILLIS = 600_000;

        public Sleep {
            if (millis < 0 || millis > MAX_MILLIS)
                throw new IllegalArgumentException("sleep milliseconds must be 0.." + MAX_MILLIS + ", got " + millis);
        }

        @Override
        public String sql() {
            return "select " + StampedeDatabase.SCHEMA + ".sleep_and_touch(?, ?) as slept_ms";
        }

        @Override
        public Object[] binds(String counterKey) {
            return new Object[] {counterKey, millis};
        }

        @Override
        public int expectedRows() {
            return 1;
        }

        @Override
        public String spec() {
            return "sleep:" + millis;
        }
    }

    /**
     * {@code heavy}: pgbench's {@code select bid, count(1) from pgbench_accounts group by bid} over
     * scale 20 (2,000,000 rows, 20 branches). The counter is an uncorrelated scalar subquery in a
     * WHERE clause that references no column, which PostgreSQL evaluates once per execution as a
     * one-time filter before the scan, so the rows are exactly pgbench's. (A function that writes
     * is parallel-unsafe, so the plan is serial; query_ms is measured on this same statement.)
     */
    record Heavy() implements StampedeQuery {

        @Override
        public String sql() {
            return "select bid, count(1) from " + StampedeDatabase.PGBENCH + ".pgbench_accounts"
                + " where (select " + StampedeDatabase.SCHEMA + ".touch(?)) = 1 group by bid";
        }

        @Override
        public Object[] binds(String counterKey) {
            return new Object[] {counterKey};
        }

        @Override
        public int expectedRows() {
            return StampedeDatabase.PGBENCH_SCALE;
        }

        @Override
        public String spec() {
            return "heavy";
        }
    }

    /** The SQL, with {@code ?} placeholders for {@link #binds}. */
    String sql();

    Object[] binds(String counterKey);

    /** How many rows a correct answer has; a caller that gets another count counts as an error. */
    int expectedRows();

    /** The argument that names this query: {@code sleep:200}, {@code heavy}. */
    String spec();

    /**
     * The query that {@code spec} names ({@code heavy}, or {@code sleep:<ms>}).
     *
     * @throws IllegalArgumentException naming what is wrong with {@code spec}
     */
    static StampedeQuery parse(String spec) {
        if (spec.equals("heavy"))
            return new Heavy();
        if (spec.startsWith("sleep:")) {
            String ms = spec.substring("sleep:".length());
            int millis;
            try {
                millis = Integer.parseInt(ms);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + spec + "': the milliseconds after 'sleep:' must be an integer, got '" + ms + "'");
            }
            return new Sleep(millis);
        }
        throw new IllegalArgumentException("'" + spec + "' is neither sleep:<ms> (e.g. sleep:200) nor heavy");
    }
}
