package io.fashionclassifier.faults;

import java.util.List;

/**
 * What the verifier found. {@code abortedVerdicts} counts verdict records only {@code read_uncommitted} sees
 * (output of aborted transactions; -1 when not counted yet); {@code waits} holds the committed verdicts' times
 * (empty until the last judgement).
 */
record Verdict(
    int inputs,
    int good,
    int hostile,
    int verdicts,
    int distinctVerdicts,
    int deadLetters,
    int figures,
    int figureDifferences,
    int partitionsChecked,
    long abortedVerdicts,
    List<String> differences,
    RecordWaits waits) {

  boolean passed() {
    return differences.isEmpty();
  }

  /** Lost good inputs: without a verdict. */
  int lost() {
    return good - distinctVerdicts;
  }

  int duplicates() {
    return verdicts - distinctVerdicts;
  }

  String summary() {
    StringBuilder text = new StringBuilder();
    text.append(String.format("inputs        %d (%d good, %d hostile)%n", inputs, good, hostile));
    text.append(String.format("verdicts      %d for %d distinct items: lost %d, duplicates %d%n",
        verdicts, distinctVerdicts, lost(), duplicates()));
    text.append(String.format("dead letters  %d for %d hostile inputs%n", deadLetters, hostile));
    text.append(String.format("figures       %d cumulative figures recomputed, %d differ%n", figures,
        figureDifferences));
    text.append(String.format("transactions  %d partitions checked, read_committed end == read_uncommitted end on "
        + "all: %s%n", partitionsChecked, differences.stream().noneMatch(d -> d.contains("open transaction"))));
    if (abortedVerdicts >= 0) {
      text.append(String.format("aborted       %d verdict records only read_uncommitted sees (aborted "
          + "transactions)%n", abortedVerdicts));
    }
    if (waits.verdicts() > 0) {
      text.append(String.format("waits         longest %.1f s from capture to verdict over %d committed verdicts%n",
          waits.longestWaitMs() / 1e3, waits.verdicts()));
    }
    if (passed()) {
      text.append("result        PASS: every input classified or dead-lettered exactly once\n");
    } else {
      text.append("result        FAIL\n");
      differences.forEach(d -> text.append("  - ").append(d).append('\n'));
    }
    return text.toString();
  }
}
