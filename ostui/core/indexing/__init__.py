"""Files into compact indexes: one per producer, in threads or processes, and records read back from them."""
