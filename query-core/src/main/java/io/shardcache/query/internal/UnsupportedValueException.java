package io.shardcache.query.internal;

import org.jspecify.annotations.Nullable;

/**
 * A result cannot be encoded by {@link ResultCodec}: a text of one of its columns cannot be written as
 * UTF-8 exactly (an unpaired surrogate; PostgreSQL never sends one). Never reaches users: the engine
 * serves the result it just loaded and simply does not cache it.
 *
 * <p>Checked on purpose, unlike the public {@code ShardcacheException} hierarchy: every caller of
 * {@link ResultCodec#encode} must decide what "not cacheable" means for it.
 */
public final class UnsupportedValueException extends Exception {

    private final String column;
    private final String typeName;
    private final Class<?> valueClass;

    /**
     * @param column     the column's name, as jOOQ renders it ({@code "t"."id"})
     * @param typeName   the column's data type name ({@code DataType.getTypeName()})
     * @param valueClass the offending value's class, or the column's Java type when no value is at fault
     * @param reason     what exactly cannot be represented
     */
    public UnsupportedValueException(String column, String typeName, Class<?> valueClass, @Nullable String reason) {
        super("cannot cache column " + column + " of type " + typeName + " holding "
                + (valueClass == null ? "null" : valueClass.getName()) + ": " + reason, null, false, false);
        this.column = column;
        this.typeName = typeName;
        this.valueClass = valueClass;
    }

    public String column() {
        return column;
    }

    public String typeName() {
        return typeName;
    }

    public Class<?> valueClass() {
        return valueClass;
    }
}
