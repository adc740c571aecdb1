package io.fashionclassifier.streaming;

import static io.fashionclassifier.schema.FashionClass.ANKLE_BOOT;
import static io.fashionclassifier.schema.FashionClass.BAG;
import static io.fashionclassifier.schema.FashionClass.T_SHIRT_TOP;
import static io.fashionclassifier.streaming.TestImages.image;
import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.schema.AuditedItem;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.ShadowVerdict;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The evidence 'model promote' reads, in the production topology: with a shadow model, each verdict and so each
 * audited item carries the shadow's label beside the active one's. FakeClassifier predicts ANKLE_BOOT for first
 * pixel 9; the shadow, shifted by one, T_SHIRT_TOP.
 */
class ShadowEvidenceTopologyTest {

  private static final Map<String, String> SETTINGS = Map.of(ClassifierConfig.REVIEW_SAMPLE_RATE, "0");
  private static final ShadowVerdict SHADOW = new ShadowVerdict("candidate-2", T_SHIRT_TOP, 0.7f);

  private static ModelSource withShadow() {
    ModelLineup lineup = new ModelLineup(new ServedModel(FakeClassifier.VERSION, FakeClassifier::new, null),
        new ServedModel("candidate-2", () -> new FakeClassifier("candidate-2", 1), null));
    return new ModelSource() {
      @Override
      public ModelLineup get() {
        return lineup;
      }

      @Override
      public void close() {
        lineup.active().retire();
        lineup.shadow().retire();
      }
    };
  }

  @Test
  void withAShadowTheVerdictCarriesTheShadowsPrediction() {
    try (QualityFixture fixture = new QualityFixture(SETTINGS, withShadow())) {
      fixture.pipe(image("a", 9, null));

      ClassifiedItem verdict = fixture.classified.readValue();
      assertThat(verdict.getPredictedLabel()).isEqualTo(ANKLE_BOOT);
      assertThat(verdict.getModelVersion()).isEqualTo(FakeClassifier.VERSION);
      assertThat(verdict.getShadow()).isEqualTo(SHADOW);
    }
  }

  @Test
  void withAShadowTheAuditedItemCarriesBothModelsLabels() {
    try (QualityFixture fixture = new QualityFixture(SETTINGS, withShadow())) {
      fixture.pipe(image("a", 9, null));
      fixture.audit("a", BAG, "alice");

      AuditedItem item = fixture.audited.readValue();
      assertThat(item.getTrueLabel()).isEqualTo(BAG);
      assertThat(item.getVerdict().getPredictedLabel()).isEqualTo(ANKLE_BOOT);
      assertThat(item.getVerdict().getShadow()).isEqualTo(SHADOW);
    }
  }

  @Test
  void withoutAShadowTheVerdictAndTheAuditedItemCarryNone() {
    try (QualityFixture fixture = new QualityFixture(SETTINGS)) {
      fixture.pipe(image("a", 9, null));
      fixture.audit("a", BAG, "alice");

      assertThat(fixture.classified.readValue().getShadow()).isNull();
      assertThat(fixture.audited.readValue().getVerdict().getShadow()).isNull();
    }
  }
}
