package io.shardcache.testing;

import java.io.Serial;

/**
 * Thrown when a test service cannot be provided: no source answered, a configured address is wrong, or an
 * embedded server failed to start or stop. The message says what was tried and why it failed; the
 * failures of individual sources are attached as suppressed exceptions.
 */
public class TestServicesException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    public TestServicesException(String message) {
        super(message);
    }

    public TestServicesException(String message, Throwable cause) {
        super(message, cause);
    }
}
