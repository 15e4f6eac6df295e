package io.shardcache.sharding;

import io.shardcache.sharding.internal.JsonText;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One stored entity of an {@link EntityStore}: its ID (which carries its logical shard), its kind, its
 * attributes and when its row was written. An immutable value: the attributes are a deep, unmodifiable copy.
 *
 * @param id         the ID {@link EntityStore#put(int, String, Map)} returned; a {@link ShardIdLayout} ID
 * @param kind       what the entity is ({@code "user"}, {@code "photo"}), as given to {@code put}
 * @param attributes the attributes as read back from {@code jsonb}: {@code String}, {@code Boolean},
 *                   {@code null}, {@code Long} (or {@code BigInteger} past {@code long}) for integers,
 *                   {@code BigDecimal} for other numbers, and unmodifiable {@code Map<String, Object>} /
 *                   {@code List<Object>} of those. Keys come in {@code jsonb}'s order (shorter keys first), not
 *                   the order given to {@code put}.
 * @param createdAt  the row's {@code created_at}: the database server's time of the inserting transaction
 */
public record Entity(long id, String kind, Map<String, Object> attributes, Instant createdAt) {

    public Entity {
        Objects.requireNonNull(kind, "kind");
        attributes = JsonText.immutableCopy(Objects.requireNonNull(attributes, "attributes"));
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
