package io.shardcache.examples.boot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A small REST service on shardcache's Spring Boot starter: {@code GET /branches/totals} serves a cached
 * aggregate, {@code GET /accounts/{id}} a cached row, and {@code POST /accounts/{id}/deposit} writes in a
 * {@code @Transactional} method, after which both reads answer the new balance. Nothing is wired by hand:
 * the starter and {@code application.properties} do it.
 */
@SpringBootApplication
public class BootService {

    public static void main(String[] args) {
        SpringApplication.run(BootService.class, args);
    }
}
