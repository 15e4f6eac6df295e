/** A Spring Boot service on shardcache's starter; see {@link io.shardcache.examples.boot.BootService}. */
@NullMarked
package io.shardcache.examples.boot;

import org.jspecify.annotations.NullMarked;
