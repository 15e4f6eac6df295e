package io.shardcache.query.internal;

import io.shardcache.query.spi.SkipReason;

/**
 * A read whose result shardcache cannot reproduce exactly from the cache: it must run on the database
 * and its live result set go to the caller untouched. Thrown by the loader before anything is stored;
 * every caller of that flight then runs the read itself.
 *
 * @see PgTextResultSet#cacheable
 */
final class Uncacheable extends RuntimeException {

    final SkipReason reason;
    /** True when every read of the same SQL text would be refused too (a column type, not a value). */
    final boolean bySql;
    final String why;

    Uncacheable(SkipReason reason, boolean bySql, String why) {
        super(why, null, false, false);
        this.reason = reason;
        this.bySql = bySql;
        this.why = why;
    }
}
