package io.shardcache.query.internal;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** Runs every clean-up step even when one throws; the first failure is thrown at the end, the others suppressed in it. */
public final class CloseAll {

    private CloseAll() {
    }

    public static void run(List<Runnable> steps) {
        @Nullable RuntimeException failed = null;
        for (Runnable step : steps) {
            try {
                step.run();
            } catch (RuntimeException e) {
                if (failed == null)
                    failed = e;
                else
                    failed.addSuppressed(e);
            }
        }
        if (failed != null)
            throw failed;
    }
}
