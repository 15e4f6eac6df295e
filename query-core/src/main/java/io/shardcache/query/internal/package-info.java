/**
 * Not for use outside shardcache: the read path, the dogpile engine, key material, the result codec,
 * the JDBC layer.
 *
 * <h2>A cached read, from {@code fromCache} to the backend and back</h2>
 * The file to open at each step:
 * <ol>
 * <li>{@code CachingDSL.fromCache(region)} (package {@code io.shardcache.query}) returns a
 *     {@code DSLContext} derived from the user's, whose connection provider is a
 *     {@link io.shardcache.query.internal.CachingConnectionProvider}; everything the read needs
 *     (engine, region, key context, the user's provider) travels in a {@link io.shardcache.query.internal.ReadContext}.</li>
 * <li>jOOQ renders the query and asks a {@link io.shardcache.query.internal.CachingConnection} to
 *     prepare it; a read gets a {@link io.shardcache.query.internal.CachedReadStatement}, which
 *     records the binds as jOOQ sets them (no real connection is taken yet).</li>
 * <li>On execution, the {@link io.shardcache.query.internal.CachingExecutor} decides whether the
 *     cache may answer (not in a transaction, types it can reproduce, an unchanged session), computes
 *     the key ({@link io.shardcache.query.internal.KeyMaterial}: SHA-1 of the rendered SQL, binds and
 *     session inputs) and the tables the query reads ({@link io.shardcache.query.internal.TableCounters},
 *     {@link io.shardcache.query.internal.QueryTables}).</li>
 * <li>{@link io.shardcache.query.internal.DogpileEngine#lookupAndRead} (through
 *     {@link io.shardcache.query.internal.Lookups}) names the entry by the region's generation and
 *     reads it with the tables' generation counters in one backend call
 *     ({@code CacheBackend.read}, package {@code io.shardcache.query.spi}), or takes it from the
 *     {@link io.shardcache.query.internal.NearCache}.</li>
 * <li>{@link io.shardcache.query.internal.DogpileEngine#fetch} serves a fresh entry
 *     ({@link io.shardcache.query.internal.Entries} verifies and decodes it,
 *     {@link io.shardcache.query.internal.Entry} is its envelope,
 *     {@link io.shardcache.query.internal.ResultCodec} its rows); a stale one is served while one
 *     caller refreshes it; a missing one is regenerated once per JVM
 *     ({@link io.shardcache.query.internal.Flights}) and once in the cluster (the backend's
 *     regeneration lock) by {@link io.shardcache.query.internal.Regeneration}, which runs the
 *     {@link io.shardcache.query.internal.StatementLoader} on a real connection and stores the rows
 *     only if no table was written meanwhile.</li>
 * <li>The rows go back to jOOQ as a {@link io.shardcache.query.internal.PgTextResultSet}, which jOOQ
 *     reads through the query's own bindings as if from PostgreSQL.</li>
 * </ol>
 * A write through a caching DSL is seen by the {@link io.shardcache.query.internal.WriteTracker},
 * which bumps its tables' counters after it commits ({@link io.shardcache.query.internal.GenerationBumps}).
 * Every assumption about jOOQ beyond its public API is in {@link io.shardcache.query.internal.JooqInternals}.
 */
@NullMarked
package io.shardcache.query.internal;

import org.jspecify.annotations.NullMarked;
