package io.fashionclassifier.review;

import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.LabelScore;
import io.fashionclassifier.schema.ModelDecision;
import io.fashionclassifier.schema.ReviewReason;
import io.fashionclassifier.schema.ReviewRequest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** The HTML of the review page and of the login form: plain markup, one small inline style sheet and script. */
final class ReviewPage {

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

  /** The notes a reload after an action may show (by code, so that a link cannot put text on the page). */
  static final Map<String, String> NOTES = Map.of(
      "PUBLISHED", "Saved.",
      "ALREADY_DECIDED", "Already saved: counted once.",
      "TAKEN", "Another reviewer has that item; here is another one.",
      "UNKNOWN", "That item is no longer in the queue.",
      "SKIPPED", "Skipped.",
      "UNDONE", "Reopened your last item: pick its label again.",
      "NOTHING_TO_UNDO", "Nothing to undo.",
      "FAILED", "Not saved: the audits topic did not take it. Try again.");

  private static final String STYLE = """
      body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d1f23}
      header{display:flex;gap:1.5rem;align-items:center;padding:.6rem 1.2rem;background:#1d1f23;color:#fff}
      header .who{margin-left:auto}
      header form{margin:0}header button{background:none;border:1px solid #888;color:#fff;border-radius:4px}
      main{display:flex;gap:2rem;padding:1.2rem;flex-wrap:wrap;align-items:flex-start}
      .details{flex:1;min-width:30rem}
      .image img{width:336px;height:336px;image-rendering:pixelated;image-rendering:crisp-edges;
        border:1px solid #999;background:#000;display:block}
      table{border-collapse:collapse}td,th{text-align:left;padding:.15rem .6rem .15rem 0;vertical-align:top}
      th{color:#555;font-weight:normal}
      #top{margin:0;padding-left:1.4rem}
      .bar{display:inline-block;height:.7rem;background:#4a7bd0;vertical-align:middle;margin-right:.4rem}
      .labels{display:grid;grid-template-columns:repeat(5,minmax(6.5rem,1fr));gap:.4rem;margin:1rem 0;
        max-width:52rem}
      .labels button{padding:.55rem .3rem;font-size:1rem;border:1px solid #aab;border-radius:5px;background:#fff;
        cursor:pointer;text-align:left}
      .labels button:hover{background:#e8eefc}.labels button.previous{border:2px solid #d08a00}
      .labels kbd,.actions kbd{font-weight:bold;margin-right:.3rem}
      .actions button{padding:.4rem .8rem;margin-right:.5rem}
      .note{padding:.5rem 1.2rem;background:#fff6d6;border-bottom:1px solid #e6d68f}
      .decisions{padding:0 1.2rem 1.2rem;font-size:.9rem}.decisions h2{font-size:1rem;margin:.4rem 0}
      .empty{padding:2rem}.reason{display:inline-block;background:#e3e7ee;border-radius:3px;padding:0 .35rem;
        margin-right:.3rem;font-size:.85rem}
      """;

  private static final String SCRIPT = """
      const item = document.body.dataset.item;
      let busy = false;
      async function send(path, fields) {
        if (busy) return;
        busy = true;
        let note = 'FAILED';
        try {
          const answer = await fetch(path, {method: 'POST', headers: {'X-Review-Request': '1',
            'Content-Type': 'application/x-www-form-urlencoded'}, body: new URLSearchParams(fields)});
          if (answer.ok) note = (await answer.json()).outcome;
        } catch (e) {}
        location.replace('/?note=' + encodeURIComponent(note));
      }
      function decide(label) { if (item) send('/api/decide', {itemId: item, label: label}); }
      function skip() { if (item) send('/api/skip', {itemId: item}); }
      function undo() { send('/api/undo', {}); }
      document.addEventListener('keydown', e => {
        if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
        if (e.key >= '0' && e.key <= '9') { e.preventDefault(); decide(e.key); }
        else if (e.key === 's' || e.key === 'S') { e.preventDefault(); skip(); }
        else if (e.key === 'u' || e.key === 'U' || e.key === 'Backspace') { e.preventDefault(); undo(); }
      });
      if (!item) setTimeout(() => location.replace('/'), 2000);
      """;

  private final List<String> classNames;

  ReviewPage(List<String> classNames) {
    this.classNames = classNames;
  }

  String login(String message) {
    StringBuilder html = start("Log in");
    html.append("<body><main><form method=\"post\" action=\"/login\" class=\"login\"><h1>Review queue</h1>");
    if (message != null) {
      html.append("<p class=\"note\">").append(escape(message)).append("</p>");
    }
    html.append("<p><label>User <input name=\"user\" id=\"user\" autocomplete=\"username\" autofocus></label></p>")
        .append("<p><label>Password <input name=\"password\" id=\"password\" type=\"password\" ")
        .append("autocomplete=\"current-password\"></label></p>")
        .append("<p><button type=\"submit\" id=\"login\">Log in</button></p></form></main></body></html>");
    return html.toString();
  }

  /** @param decisions the learning loop's newest decisions, newest first; none leaves their section out */
  String review(String reviewer, Optional<ReviewQueue.Lease> lease, ReviewQueue.Figures figures, long unread,
      String noteCode, List<ModelDecision> decisions) {
    StringBuilder html = start("Review");
    String itemId = lease.map(l -> l.item().itemId()).orElse("");
    html.append("<body data-item=\"").append(escape(itemId)).append("\">");
    html.append("<header><strong>Review queue</strong>")
        .append("<span id=\"depth\">Queue: ").append(figures.open() + unread).append(" waiting</span>")
        .append("<span id=\"pace\">Your pace: ").append(String.format(Locale.ROOT, "%.1f", figures.perMinute()))
        .append(" items/min</span>")
        .append("<span id=\"decided\">Decided: ").append(figures.decidedBySession()).append("</span>")
        .append("<span class=\"who\">").append(escape(reviewer)).append("</span>")
        .append("<form method=\"post\" action=\"/logout\"><button id=\"logout\">Log out</button></form></header>");
    String note = noteCode == null ? null : NOTES.get(noteCode);
    if (note != null) {
      html.append("<div class=\"note\" id=\"note\">").append(escape(note)).append("</div>");
    }
    if (lease.isEmpty()) {
      html.append("<div class=\"empty\" id=\"empty\">Nothing to review right now; this page looks again every few "
          + "seconds.<div class=\"actions\"><button onclick=\"undo()\"><kbd>U</kbd>Undo last</button></div></div>");
    } else {
      item(html, lease.get());
    }
    decisions(html, decisions);
    html.append("<script>").append(SCRIPT).append("</script></body></html>");
    return html.toString();
  }

  private void item(StringBuilder html, ReviewQueue.Lease lease) {
    ReviewRequest request = lease.item().request();
    html.append("<main><div class=\"image\">");
    Optional<String> image = ItemImage.dataUrl(request.getWidth(), request.getHeight(), request.getPixels());
    if (image.isPresent()) {
      html.append("<img id=\"image\" alt=\"item ").append(escape(request.getItemId())).append("\" src=\"")
          .append(image.get()).append("\">");
    } else {
      html.append("<p id=\"image\">The image does not match its stated size of ").append(request.getWidth())
          .append("x").append(request.getHeight()).append(": judge it elsewhere or skip it.</p>");
    }
    html.append("</div><div class=\"details\"><table>");
    row(html, "Item", "<code id=\"item\">" + escape(request.getItemId()) + "</code>");
    row(html, "Scanner", escape(request.getScannerId()) + " in " + escape(request.getWarehouseId()));
    row(html, "Captured", TIME.format(request.getCaptureTime()));
    row(html, "Classified", TIME.format(request.getClassifiedTime()) + " by model <code>"
        + escape(request.getModelVersion()) + "</code>");
    row(html, "Why", request.getReasons().stream().map(r -> "<span class=\"reason\">" + reason(r) + "</span>")
        .collect(Collectors.joining()) + String.format(Locale.ROOT, " confidence %.2f, margin %.2f",
            request.getConfidence(), request.getMargin()));
    StringBuilder top = new StringBuilder("<ol id=\"top\">");
    for (LabelScore score : request.getTopK()) {
      top.append("<li><span class=\"bar\" style=\"width:").append(Math.round(score.getProbability() * 120))
          .append("px\"></span>").append(escape(name(score.getLabel())))
          .append(String.format(Locale.ROOT, " %.1f%%", score.getProbability() * 100)).append("</li>");
    }
    row(html, "Model's top 3", top.append("</ol>").toString());
    html.append("</table>");
    if (lease.previous() != null) {
      html.append("<p id=\"reopened\">You labelled this <strong>").append(escape(name(lease.previous())))
          .append("</strong>; pick the right label.</p>");
    }
    html.append("<div class=\"labels\">");
    for (FashionClass label : FashionClass.values()) {
      html.append("<button id=\"label-").append(label.ordinal()).append("\"")
          .append(label == lease.previous() ? " class=\"previous\"" : "")
          .append(" onclick=\"decide('").append(label.ordinal()).append("')\"><kbd>").append(label.ordinal())
          .append("</kbd>").append(escape(name(label))).append("</button>");
    }
    html.append("</div><div class=\"actions\"><button id=\"skip\" onclick=\"skip()\"><kbd>S</kbd>Skip</button>")
        .append("<button id=\"undo\" onclick=\"undo()\"><kbd>U</kbd>Undo last</button></div></div></main>");
  }

  private static void decisions(StringBuilder html, List<ModelDecision> decisions) {
    if (decisions.isEmpty()) {
      return;
    }
    html.append("<section class=\"decisions\" id=\"decisions\"><h2>Model decisions</h2><table>")
        .append("<tr><th>When</th><th>Decision</th><th>Candidate</th><th>Reason</th></tr>");
    for (ModelDecision decision : decisions) {
      html.append("<tr><td>").append(TIME.format(decision.getDecisionTime())).append("</td><td>")
          .append(decision.getKind()).append("</td><td>").append(escape(decision.getCandidateBundle()))
          .append(" <code>").append(escape(decision.getCandidateVersion())).append("</code></td><td>")
          .append(escape(decision.getReason())).append("</td></tr>");
    }
    html.append("</table></section>");
  }

  private String name(FashionClass label) {
    return label.ordinal() < classNames.size() ? classNames.get(label.ordinal()) : label.name();
  }

  private static String reason(ReviewReason reason) {
    return switch (reason) {
      case LOW_CONFIDENCE -> "low confidence";
      case LOW_MARGIN -> "close second";
      case RANDOM_SAMPLE -> "random sample";
      default -> "other";
    };
  }

  private static void row(StringBuilder html, String name, String valueHtml) {
    html.append("<tr><th>").append(name).append("</th><td>").append(valueHtml).append("</td></tr>");
  }

  private static StringBuilder start(String title) {
    return new StringBuilder("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
        .append(title).append(" - fashion-classifier</title><style>").append(STYLE).append("</style></head>");
  }

  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
