package io.shardcache.testing;

import io.shardcache.testing.internal.Names;
import java.sql.SQLException;
import java.util.Set;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit Jupiter extension that injects {@link PostgresService}, {@link RedisService} and {@link TestSchema}
 * parameters into test methods, lifecycle methods and constructors:
 * <pre>{@code
 * @ExtendWith(ServicesExtension.class)
 * class OrdersIT {
 *     @Test
 *     void storesOrders(TestSchema schema, RedisService redis) throws SQLException {
 *         try (Connection c = schema.connect()) { ... }
 *     }
 * }
 * }</pre>
 *
 * <p>Services come from {@link TestServices}; when none can be found the parameter cannot be resolved and
 * the test fails with the explanation; it is never skipped.
 *
 * <p>A {@link TestSchema} is created on first request in a scope and dropped ({@code CASCADE}) when that
 * scope ends: one schema per test method, shared by its {@code @BeforeEach}/{@code @AfterEach}; asked for
 * in {@code @BeforeAll}, it is shared by the whole class and dropped after {@code @AfterAll}. The
 * extension drops only schemas it created. Stateless; safe for parallel test execution.
 */
public final class ServicesExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(ServicesExtension.class);
    private static final Set<Class<?>> TYPES = Set.of(PostgresService.class, RedisService.class, TestSchema.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return TYPES.contains(parameter.getParameter().getType());
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        if (type == PostgresService.class) {
            return TestServices.postgres();
        }
        if (type == RedisService.class) {
            return TestServices.redis();
        }
        return context.getStore(NAMESPACE)
                .computeIfAbsent(SchemaLease.class, key -> SchemaLease.create(context), SchemaLease.class)
                .schema();
    }

    /** Kept in the scope's store, which closes it, and so drops the schema, when the scope ends. */
    private record SchemaLease(TestSchema schema) implements AutoCloseable {
        static SchemaLease create(ExtensionContext context) {
            String hint = context.getTestClass().map(Class::getSimpleName).orElse("test");
            TestSchema schema = new TestSchema(Names.schemaName(hint), TestServices.postgres());
            try {
                return new SchemaLease(schema.create());
            } catch (SQLException e) {
                throw new ParameterResolutionException("could not create schema " + schema.name() + " on "
                        + schema.postgres().address() + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void close() throws SQLException {
            schema.drop();
        }
    }
}
