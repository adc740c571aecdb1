package io.fashionclassifier.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.InventoryImage;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MockSchemaRegistryTest {

  private final String scope = TestRecords.uniqueScope();
  private final SchemaRegistryClient registry = MockSchemaRegistry.getClientForScope(scope);

  @AfterEach
  void dropScope() {
    MockSchemaRegistry.dropScope(scope);
  }

  @Test
  void givesIdsFromOneAndTheSameIdForTheSameSchemaUnderAnySubject() {
    int images = registry.register("inventory-images-value", InventoryImage.getClassSchema());
    int items = registry.register("classified-items-value", ClassifiedItem.getClassSchema());
    int imagesElsewhere = registry.register("audit-images-value", InventoryImage.getClassSchema());

    assertThat(images).isEqualTo(1);
    assertThat(items).isEqualTo(2);
    assertThat(imagesElsewhere).isEqualTo(images);
    assertThat(registry.getSchemaById(images)).isEqualTo(InventoryImage.getClassSchema());
  }

  @Test
  void registeringTheSameSchemaAgainKeepsItsIdAndVersion() {
    int first = registry.register("inventory-images-value", InventoryImage.getClassSchema());
    int again = registry.register("inventory-images-value", InventoryImage.getClassSchema());

    assertThat(again).isEqualTo(first);
    assertThat(registry.getLatestSchemaMetadata("inventory-images-value").version()).isEqualTo(1);
  }

  @Test
  void acceptsABackwardCompatibleEvolutionAsTheNextVersion() {
    registry.register("inventory-images-value", TestRecords.schema("InventoryImage-v0"));
    int v2 = registry.register("inventory-images-value", InventoryImage.getClassSchema()); // adds optional label

    SchemaMetadata latest = registry.getLatestSchemaMetadata("inventory-images-value");
    assertThat(latest.version()).isEqualTo(2);
    assertThat(latest.id()).isEqualTo(v2);
  }

  @Test
  void rejectsAnIncompatibleSchemaWithErrorCode409() {
    registry.register("inventory-images-value", InventoryImage.getClassSchema());
    Schema incompatible = TestRecords.schema("InventoryImage-incompatible");

    SchemaRegistryException e = catchThrowableOfType(SchemaRegistryException.class,
        () -> registry.register("inventory-images-value", incompatible));

    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.INCOMPATIBLE_SCHEMA);
    assertThat(e.isRetriable()).isFalse();
    assertThat(registry.testCompatibility("inventory-images-value", incompatible)).isFalse();
    assertThat(registry.getLatestSchemaMetadata("inventory-images-value").version()).isEqualTo(1);
  }

  @Test
  void reportsUnknownSubjectsAndIdsWithConfluentsErrorCodes() {
    SchemaRegistryException noSubject = catchThrowableOfType(SchemaRegistryException.class,
        () -> registry.getLatestSchemaMetadata("nothing-value"));
    SchemaRegistryException noId = catchThrowableOfType(SchemaRegistryException.class,
        () -> registry.getSchemaById(99));
    registry.register("inventory-images-value", InventoryImage.getClassSchema());
    SchemaRegistryException notUnderSubject = catchThrowableOfType(SchemaRegistryException.class,
        () -> registry.getId("inventory-images-value", ClassifiedItem.getClassSchema()));

    assertThat(noSubject.errorCode()).isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND);
    assertThat(noId.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND);
    assertThat(notUnderSubject.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND);
  }

  @Test
  void scopesAreSharedByNameAndForgottenWhenDropped() {
    registry.register("inventory-images-value", ClassifiedItem.getClassSchema());

    assertThat(MockSchemaRegistry.getClientForScope(scope)).isSameAs(registry);
    MockSchemaRegistry.dropScope(scope);
    SchemaRegistryClient fresh = MockSchemaRegistry.getClientForScope(scope);

    assertThat(fresh).isNotSameAs(registry);
    assertThat(fresh.register("inventory-images-value", InventoryImage.getClassSchema())).isEqualTo(1);
  }
}
