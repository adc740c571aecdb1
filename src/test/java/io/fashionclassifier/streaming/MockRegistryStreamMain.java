package io.fashionclassifier.streaming;

import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import java.util.Arrays;
import java.util.Map;

/**
 * Runs {@code fashion-classifier stream ...} in a child JVM whose in-process mock registry agrees with the test
 * JVM's: registering the input schema first gives it the id (1) that the test's producer wrote. Usage:
 * {@code MockRegistryStreamMain <scope> stream [options]}.
 */
public final class MockRegistryStreamMain {

  private MockRegistryStreamMain() {}

  public static void main(String[] args) throws Exception {
    SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>();
    serializer.configure(Map.of("schema.registry.url", "mock://" + args[0]), false);
    serializer.serialize("inventory-images", TestImages.image("schema-registration", 0, null));
    // by name: main code must not depend on cli, and neither should this launcher at compile time
    Class.forName("io.fashionclassifier.cli.Main")
        .getMethod("main", String[].class)
        .invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
  }
}
