package io.fashionclassifier.streaming;

import io.fashionclassifier.schema.HealthKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One scope's alarm state (the value of the changelogged store {@link HealthTopology#SCOPES_STORE}): for each
 * signal, how many judged windows in a row were over its threshold, or back within it, and which signals are in
 * alarm. A signal goes into alarm after {@code alarmWindows} windows over in a row and clears after as many within
 * in a row; a window too small to judge changes nothing.
 */
record HealthAlarms(Map<String, Integer> over, Map<String, Integer> within, List<String> alarmed) {

  /** A change of alarm: {@code kind} ALARM or CLEAR for {@code signal}, decided by a window where it was {@code value}. */
  record Transition(HealthKind kind, HealthSignal signal, double value, double threshold, int windows) {}

  /** The state and what changed. */
  record Update(HealthAlarms alarms, List<Transition> transitions, List<String> overThreshold) {}

  static HealthAlarms none() {
    return new HealthAlarms(Map.of(), Map.of(), List.of());
  }

  Update judge(Map<HealthSignal, Double> signals, HealthTopology.Settings settings) {
    Map<String, Integer> nextOver = new TreeMap<>(over);
    Map<String, Integer> nextWithin = new TreeMap<>(within);
    TreeSet<String> nextAlarmed = new TreeSet<>(alarmed);
    List<Transition> transitions = new ArrayList<>();
    List<String> overThreshold = new ArrayList<>();
    signals.forEach((signal, value) -> {
      String name = signal.name();
      double threshold = signal.threshold(settings);
      boolean isOver = value >= threshold;
      if (isOver) {
        overThreshold.add(name);
        int windows = nextOver.getOrDefault(name, 0) + 1;
        nextOver.put(name, windows);
        nextWithin.remove(name);
        if (windows >= settings.alarmWindows() && nextAlarmed.add(name)) {
          transitions.add(new Transition(HealthKind.ALARM, signal, value, threshold, windows));
        }
      } else {
        int windows = nextWithin.getOrDefault(name, 0) + 1;
        nextOver.remove(name);
        if (nextAlarmed.contains(name)) {
          nextWithin.put(name, windows);
          if (windows >= settings.alarmWindows()) {
            nextAlarmed.remove(name);
            nextWithin.remove(name);
            transitions.add(new Transition(HealthKind.CLEAR, signal, value, threshold, windows));
          }
        }
      }
    });
    return new Update(new HealthAlarms(nextOver, nextWithin, List.copyOf(nextAlarmed)), transitions,
        List.copyOf(overThreshold));
  }
}
