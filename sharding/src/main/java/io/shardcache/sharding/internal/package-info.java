/**
 * Implementation of sharding. Not for use: nothing here is API, and it may change in any release without
 * notice.
 */
@NullMarked
package io.shardcache.sharding.internal;

import org.jspecify.annotations.NullMarked;
