/** What users may implement: a cache backend, its locks, a cache listener. */
@NullMarked
package io.shardcache.query.spi;

import org.jspecify.annotations.NullMarked;
