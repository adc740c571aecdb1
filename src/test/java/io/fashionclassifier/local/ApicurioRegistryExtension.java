package io.fashionclassifier.local;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Injects the JVM's shared {@link ApicurioRegistry} (started on first use, stopped when the test JVM exits) into
 * test constructors, lifecycle methods and test methods that declare a parameter of that type.
 *
 * <pre>{@code
 * @ExtendWith(ApicurioRegistryExtension.class)
 * class MyIntegrationTest {
 *   @Test
 *   void something(ApicurioRegistry registry) {
 *     props.put("schema.registry.url", registry.confluentUrl());
 *   }
 * }
 * }</pre>
 */
public final class ApicurioRegistryExtension implements ParameterResolver {

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
    return parameter.getParameter().getType() == ApicurioRegistry.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
    return ApicurioRegistry.shared();
  }
}
