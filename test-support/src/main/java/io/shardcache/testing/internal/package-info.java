/**
 * Implementation of shardcache's test services. Not for use: nothing here is API, and it may change
 * without notice.
 */
package io.shardcache.testing.internal;
