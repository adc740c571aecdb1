package io.fashionclassifier.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which views of each image a prediction averages: the image itself, its mirror image ({@code flip}), and
 * ({@code shift}) copies moved by one pixel left, right, up and down, of each. Every view costs one more row in
 * the model's forward pass: flip doubles the model's work, shift multiplies it by five.
 *
 * @param flip whether the mirror image is a view
 * @param shift whether one-pixel shifts of each view are views
 */
public record TestTimeAugmentation(boolean flip, boolean shift) {

  public static final TestTimeAugmentation NONE = new TestTimeAugmentation(false, false);
  public static final TestTimeAugmentation FLIP = new TestTimeAugmentation(true, false);

  /** Names accepted by {@link #parse}, as written on the command line. */
  public static final List<String> NAMES = List.of("none", "flip", "shift", "flip+shift");

  /** One view: mirrored or not, then moved by {@code dx} columns and {@code dy} rows. */
  public record View(boolean mirror, int dx, int dy) {}

  public static TestTimeAugmentation flipOnly(boolean flip) {
    return flip ? FLIP : NONE;
  }

  /** The views the bundle was evaluated with, which its recorded test accuracy holds for. */
  public static TestTimeAugmentation asEvaluated(Manifest manifest) {
    return flipOnly(manifest.flipTta());
  }

  /** Parses one of {@link #NAMES}; throws IllegalArgumentException naming the accepted values otherwise. */
  public static TestTimeAugmentation parse(String name) {
    return switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "none" -> NONE;
      case "flip" -> FLIP;
      case "shift" -> new TestTimeAugmentation(false, true);
      case "flip+shift" -> new TestTimeAugmentation(true, true);
      default -> throw new IllegalArgumentException(
          "unknown test-time augmentation '" + name + "': use one of " + String.join(", ", NAMES));
    };
  }

  /** The views in the order their rows are fed to the model; the first is always the image as it is. */
  public List<View> views() {
    List<View> views = new ArrayList<>(viewCount());
    for (boolean mirror : flip ? new boolean[] {false, true} : new boolean[] {false}) {
      views.add(new View(mirror, 0, 0));
      if (shift) {
        views.add(new View(mirror, 1, 0));
        views.add(new View(mirror, -1, 0));
        views.add(new View(mirror, 0, 1));
        views.add(new View(mirror, 0, -1));
      }
    }
    return views;
  }

  public int viewCount() {
    return (flip ? 2 : 1) * (shift ? 5 : 1);
  }

  @Override
  public String toString() {
    if (flip && shift) {
      return "flip+shift";
    }
    return flip ? "flip" : shift ? "shift" : "none";
  }
}
