package io.fashionclassifier.review;

import io.fashionclassifier.schema.ItemAudit;

/** Where a reviewer's decision goes; it returns only once the audit is safely written, and throws otherwise. */
public interface AuditSink {
  void publish(ItemAudit audit);
}
