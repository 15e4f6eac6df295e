package io.shardcache.query.internal;

import org.jspecify.annotations.Nullable;

/**
 * The builders' one rule for options: each may be set once, so a second call is a mistake to report, not a
 * value to take silently.
 */
public final class Options {

    private Options() {
    }

    /**
     * Refuses to set {@code option} again.
     *
     * @param option  what the message calls the option, with any context ({@code "region 'users': ttl"})
     * @param current its value so far, {@code null} while unset
     * @throws IllegalStateException naming the option and its value, if {@code current} is set
     */
    public static void once(String option, @Nullable Object current) {
        if (current != null)
            throw new IllegalStateException(option + " is already set to " + current + "; each option may be set once");
    }
}
