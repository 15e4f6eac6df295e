/** Not for use outside shardcache: the dogpile engine, key material, the result codec, the JDBC layer. */
@NullMarked
package io.shardcache.query.internal;

import org.jspecify.annotations.NullMarked;
