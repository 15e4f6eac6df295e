package io.shardcache.query.internal;

/**
 * Bytes read from a cache backend are not a valid entry: truncated, corrupt, written by another
 * version or another program. Never reaches users: the engine counts the entry as a miss.
 */
public final class MalformedEntryException extends Exception {

    private final int offset;

    public MalformedEntryException(String message, int offset) {
        super(message + " (at byte " + offset + ")", null, false, false);
        this.offset = offset;
    }

    public int offset() {
        return offset;
    }
}
