package io.fashionclassifier.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.TypeConversionException;

class DurationConverterTest {

  private final DurationConverter converter = new DurationConverter();

  @Test
  void readsPlainSecondsUnitsSumsAndIso() {
    assertThat(converter.convert("300")).isEqualTo(Duration.ofSeconds(300));
    assertThat(converter.convert("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(converter.convert("20s")).isEqualTo(Duration.ofSeconds(20));
    assertThat(converter.convert("9m25s")).isEqualTo(Duration.ofSeconds(565));
    assertThat(converter.convert("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(converter.convert("PT9M")).isEqualTo(Duration.ofMinutes(9));
  }

  @Test
  void rejectsWhatIsNotADurationSayingWhatToWrite() {
    for (String bad : List.of("", "5x", "s", "9m25", "-5s", "PT-1S", "1.5s")) {
      assertThatThrownBy(() -> converter.convert(bad), bad)
          .isInstanceOf(TypeConversionException.class)
          .hasMessageContaining("is not a duration: write e.g. 300 (seconds)");
    }
  }

  @Test
  void everyDurationOptionOfEveryCommandReadsTheSameFormat() {
    List<String> durationOptions = new ArrayList<>();
    for (CommandLine command : Main.commandLine().getSubcommands().values()) {
      for (OptionSpec option : command.getCommandSpec().options()) {
        if (option.type() == Duration.class) {
          durationOptions.add(command.getCommandName() + " " + option.longestName());
          assertThat(option.converters()).as(option.longestName())
              .singleElement().isInstanceOf(DurationConverter.class);
        }
      }
    }
    assertThat(durationOptions).contains("train --time-budget", "watch --duration", "demo --max-wait");
  }

  @Test
  void watchTakesPlainSecondsLikeTrain() {
    WatchCommand watch = new WatchCommand();
    new CommandLine(watch).parseArgs("-b", "127.0.0.1:1", "--duration", "300");

    assertThat(watch.duration).isEqualTo(Duration.ofSeconds(300));
  }
}
