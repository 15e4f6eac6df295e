package io.shardcache.examples.boot;

import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The HTTP face of {@link Accounts}. */
@RestController
public class AccountsController {

    private final Accounts accounts;

    public AccountsController(Accounts accounts) {
        this.accounts = accounts;
    }

    @GetMapping("/branches/totals")
    public Map<Integer, Long> totals() {
        return accounts.totals();
    }

    @GetMapping("/accounts/{id}")
    public Map<String, Object> account(@PathVariable int id) {
        return Map.of("id", id, "balance", accounts.balance(id));
    }

    @PostMapping("/accounts/{id}/deposit")
    public Map<String, Object> deposit(@PathVariable int id, @RequestParam long amount) {
        return Map.of("id", id, "balance", accounts.deposit(id, amount));
    }
}
