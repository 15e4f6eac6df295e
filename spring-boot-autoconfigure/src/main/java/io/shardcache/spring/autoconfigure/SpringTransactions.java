package io.shardcache.spring.autoconfigure;

import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Spring's transactions, as a {@code CachingDSL} asks about them: a read inside one bypasses the cache (it
 * may see the transaction's own uncommitted rows), and a write's generation bumps run after it commits, so
 * no process caches rows older than the commit. A rollback runs nothing.
 */
final class SpringTransactions {

    private SpringTransactions() {
    }

    static boolean active() {
        return TransactionSynchronizationManager.isActualTransactionActive();
    }

    static void afterCommit(Runnable task) {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            task.run();   // a transaction without synchronization: the write's connection commits on its own
            return;
        }
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                task.run();
            }
        });
    }
}
