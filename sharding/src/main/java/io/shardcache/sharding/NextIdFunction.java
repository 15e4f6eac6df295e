package io.shardcache.sharding;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jooq.DSLContext;

/**
 * Installs Instagram's PL/pgSQL {@code next_id()} in a shard's schema, making IDs of a {@link ShardIdLayout}
 * in the database, typically as a column default ({@code id bigint not null default shard_0007.next_id()}).
 *
 * <p>{@link #installSql(String, int)} creates, in schema {@code s} for logical shard {@code n}:
 * <ul>
 *   <li>sequence {@code s.next_id_seq} ({@code if not exists}, so an existing sequence keeps its position);</li>
 *   <li>function {@code s.next_id()} returning {@code bigint} ({@code create or replace}):
 *       {@code (floor(extract(epoch from clock_timestamp()) * 1000) - epochMillis) << 23 | n << 10 |
 *       nextval(s.next_id_seq) % 1024}. It raises an exception (SQLSTATE 22003) rather than return an ID when
 *       the server clock is before the epoch or past {@link ShardIdLayout#maxInstant()}.</li>
 * </ul>
 * Running it again is harmless, so it is safe in every migration run. The schema must exist. The shard and the
 * epoch are compiled into the function: installing another shard number or layout in the same schema replaces
 * the function.
 *
 * <p><b>Uniqueness contract</b> (Instagram's, weaker than {@link ShardIdGenerator}'s): IDs are unique as long
 * as one schema makes fewer than 1024 IDs in one millisecond and the server clock does not step back; the
 * sequence wraps modulo 1024 and nothing waits. A primary key on the ID column turns a violation into an
 * error instead of a duplicate.
 *
 * <p>Stateless and thread-safe. Installing into one schema from two sessions at once can fail in PostgreSQL
 * ({@code tuple concurrently updated}); install from one migration runner. Database errors reach the caller
 * unchanged ({@link SQLException}, or jOOQ's {@code DataAccessException} for the {@link DSLContext} variant).
 */
public final class NextIdFunction {
    /** The sequence's name inside the shard schema. */
    public static final String SEQUENCE_NAME = "next_id_seq";
    /** The function's name inside the shard schema. */
    public static final String FUNCTION_NAME = "next_id";

    /**
     * Schema names we accept: an identifier PostgreSQL would also accept unquoted in any case, at most 63
     * bytes (NAMEDATALEN - 1). Narrower than what quoting allows on purpose: the name is also spliced into the
     * {@code nextval('...')} string literal and a dollar-quoted body, and without quotes or {@code $} it is
     * safe in all three contexts.
     */
    private static final Pattern SCHEMA = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    private final ShardIdLayout layout;

    private NextIdFunction(ShardIdLayout layout) {
        this.layout = Objects.requireNonNull(layout, "layout");
    }

    /** The installer for IDs of {@code layout}. */
    public static NextIdFunction of(ShardIdLayout layout) {
        return new NextIdFunction(layout);
    }

    /** The layout whose IDs the installed function makes. */
    public ShardIdLayout layout() {
        return layout;
    }

    /**
     * The SQL that installs the sequence and function; one script of several statements, for a migration
     * tool or {@link Statement#execute(String)}.
     *
     * @param schema the shard's schema, quoted as given (case preserved)
     * @param shard  the logical shard the function's IDs carry
     * @throws IllegalArgumentException if the schema name is not a plain identifier or the shard is out of range
     */
    public String installSql(String schema, int shard) {
        String quoted = quoteSchema(schema);
        ShardIdLayout.requireShard(shard);
        long epochMillis = layout.epochMillis();
        long maxMillis = ShardIdLayout.MAX_MILLIS_SINCE_EPOCH;
        return """
            create sequence if not exists %1$s.%2$s;
            create or replace function %1$s.%3$s() returns bigint
            language plpgsql volatile as $next_id$
            declare
              -- layout: %4$d time bits, %5$d shard bits, %6$d sequence bits; epoch %7$s
              epoch_ms constant bigint := %8$d;
              shard_id constant bigint := %9$d;
              now_ms bigint := floor(extract(epoch from clock_timestamp()) * 1000);
              elapsed bigint := now_ms - epoch_ms;
            begin
              if elapsed < 0 or elapsed > %10$d then
                raise exception 'next_id(): server time %% is outside the ID range %% .. %% of shard %%',
                  clock_timestamp(), to_timestamp(epoch_ms / 1000.0), to_timestamp((epoch_ms + %10$d) / 1000.0), shard_id
                  using errcode = '22003';
              end if;
              return (elapsed << %11$d) | (shard_id << %12$d) | (nextval('%1$s.%2$s') %% %13$d);
            end
            $next_id$;
            """.formatted(quoted, SEQUENCE_NAME, FUNCTION_NAME,
                ShardIdLayout.TIMESTAMP_BITS, ShardIdLayout.SHARD_BITS, ShardIdLayout.SEQUENCE_BITS,
                layout.epoch(), epochMillis, shard, maxMillis,
                ShardIdLayout.TIMESTAMP_SHIFT, ShardIdLayout.SHARD_SHIFT, ShardIdLayout.SEQUENCES_PER_MILLISECOND);
    }

    /**
     * Runs {@link #installSql(String, int)} on {@code connection}, in its current transaction mode.
     *
     * @throws SQLException from PostgreSQL, for example when the schema does not exist
     */
    public void install(Connection connection, String schema, int shard) throws SQLException {
        String sql = installSql(schema, shard);
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /**
     * Runs {@link #installSql(String, int)} on a connection of {@code dsl}.
     *
     * @throws org.jooq.exception.DataAccessException from PostgreSQL
     */
    public void install(DSLContext dsl, String schema, int shard) {
        String sql = installSql(schema, shard);
        // Through JDBC directly: jOOQ's plain-SQL templating would read the script's braces and '?' as its own.
        dsl.connection(connection -> {
            try (Statement statement = connection.createStatement()) {
                statement.execute(sql);
            }
        });
    }

    /** {@code "schema"}, after checking the name is a plain identifier. */
    static String quoteSchema(String schema) {
        if (schema == null || !SCHEMA.matcher(schema).matches()) {
            throw new IllegalArgumentException("schema name " + (schema == null ? "null" : "'" + schema + "'")
                    + " is not a plain identifier: ASCII letters, digits or _, not starting with a digit,"
                    + " at most 63 characters");
        }
        return '"' + schema + '"';
    }

    @Override
    public String toString() {
        return "NextIdFunction[epoch=" + layout.epoch() + "]";
    }
}
