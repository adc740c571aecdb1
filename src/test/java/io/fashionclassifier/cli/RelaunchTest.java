package io.fashionclassifier.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The re-launched child JVM gets its arguments from its environment, so secrets are not on two command lines. */
class RelaunchTest {

  @Test
  void theChildsCommandLineHoldsNoArgument() {
    assertThat(Main.childCommand()).last().isEqualTo(Main.class.getName());
  }

  @Test
  void argumentsSurviveTheEnvironmentUnchanged() {
    String[] args = {"stream", "-D", "sasl.jaas.config=org.example.Login required password=\"s,e=c r\u00e9t\";", "",
        "--model", "models/a b"};
    assertThat(Main.decodeArgs(Main.encodeArgs(args))).containsExactly(args);
    assertThat(Main.decodeArgs(Main.encodeArgs(new String[0]))).isEmpty();
    assertThat(Main.decodeArgs(Main.encodeArgs(new String[] {""}))).containsExactly("");
  }
}
