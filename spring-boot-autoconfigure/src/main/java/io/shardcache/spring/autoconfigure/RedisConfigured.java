package io.shardcache.spring.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Matches when {@code shardcache.redis.*} names a way to reach Redis. */
final class RedisConfigured extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        boolean configured = Binder.get(context.getEnvironment())
            .bind("shardcache.redis", Bindable.of(ShardcacheProperties.Redis.class))
            .map(ShardcacheProperties.Redis::configured).orElse(false);
        return configured ? ConditionOutcome.match("shardcache.redis names a Redis")
            : ConditionOutcome.noMatch("no shardcache.redis.uri, cluster-nodes, sentinels or ring: in-process regions");
    }
}
