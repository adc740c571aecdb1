package io.fashionclassifier.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fashionclassifier.scanner.ScannerFault;
import io.fashionclassifier.scanner.ScannerSimulator;
import org.junit.jupiter.api.Test;

/** {@code scan --break-scanner SCANNER=FAULT}: what it takes, and one line for what it does not. */
class ScanBreakScannerOptionTest {

  @Test
  void takesAScannerOfTheFleetAndAFaultInAnyCase() {
    assertThat(ScanCommand.faulty("scanner-03=Dark", 8))
        .isEqualTo(new ScannerSimulator.Faulty("scanner-03", ScannerFault.DARK));
    assertThat(ScanCommand.faulty(null, 8)).isNull();
  }

  @Test
  void refusesAScannerOutsideTheFleet() {
    assertThatThrownBy(() -> ScanCommand.faulty("scanner-09=dark", 8)).isInstanceOf(UserError.class)
        .hasMessage("--break-scanner: no scanner 'scanner-09' among the 8 simulated (scanner-01 to scanner-08)");
  }

  @Test
  void refusesAnUnknownFaultNamingTheKnownOnes() {
    assertThatThrownBy(() -> ScanCommand.faulty("scanner-01=melted", 8)).isInstanceOf(UserError.class)
        .hasMessageContaining("unknown fault 'melted'").hasMessageContaining("product_mix");
  }

  @Test
  void refusesAValueWithoutAFault() {
    assertThatThrownBy(() -> ScanCommand.faulty("scanner-01", 8)).isInstanceOf(UserError.class)
        .hasMessageContaining("SCANNER=FAULT");
  }
}
