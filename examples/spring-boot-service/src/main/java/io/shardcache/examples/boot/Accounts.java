package io.shardcache.examples.boot;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.sum;
import static org.jooq.impl.DSL.table;

import io.shardcache.query.CachingDSL;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Record2;
import org.jooq.Table;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.server.ResponseStatusException;

/** The accounts: two cached reads and a transactional write, all through the application's jOOQ. */
@Service
public class Accounts {

    static final Table<Record> ACCOUNTS = table(name("accounts"));
    static final Field<Integer> ID = field(name("id"), Integer.class);
    static final Field<Integer> BRANCH = field(name("branch"), Integer.class);
    static final Field<Long> BALANCE = field(name("balance"), Long.class);

    private final CachingDSL cached;
    private final DSLContext dsl;

    public Accounts(CachingDSL cached, DSLContext dsl) {
        this.cached = cached;
        this.dsl = dsl;
    }

    /** Each branch's total balance: an aggregate over every row, served from the "reports" region. */
    public Map<Integer, Long> totals() {
        Map<Integer, Long> totals = new LinkedHashMap<>();
        for (Record2<Integer, BigDecimal> r : cached.fromCache("reports")
                .select(BRANCH, sum(BALANCE)).from(ACCOUNTS).groupBy(BRANCH).orderBy(BRANCH).fetch())
            totals.put(r.value1(), r.value2().longValueExact());
        return totals;
    }

    /** One account's balance, served from the "accounts" region. */
    public long balance(int id) {
        Long balance = cached.fromCache("accounts").select(BALANCE).from(ACCOUNTS).where(ID.eq(id)).fetchOne(BALANCE);
        if (balance == null)
            throw new ResponseStatusException(HttpStatus.NOT_FOUND, "no account " + id);
        return balance;
    }

    /**
     * Adds {@code amount} to the account in a Spring transaction; a balance that would go below zero rolls
     * it back after the write, so nothing of it is seen, in the database or in the cache.
     */
    @Transactional
    public long deposit(int id, long amount) {
        Long balance = dsl.update(ACCOUNTS).set(BALANCE, BALANCE.plus(amount)).where(ID.eq(id)).returning(BALANCE)
            .fetchOne(BALANCE);
        if (balance == null)
            throw new ResponseStatusException(HttpStatus.NOT_FOUND, "no account " + id);
        if (balance < 0)
            throw new ResponseStatusException(HttpStatus.CONFLICT, "account " + id + " would go to " + balance);
        return balance;
    }
}
