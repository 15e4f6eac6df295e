package io.shardcache.testing.internal;

import java.io.Serial;

/**
 * An expected "not here" from one source (nothing listens, no Docker engine, variable unset). Its message
 * is the whole story, so it carries no stack trace.
 */
final class SourceUnavailable extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    SourceUnavailable(String message) {
        super(message, null, false, false);
    }

    SourceUnavailable(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
