"""The ostui engine: formats, indexing, merging, request correlation, tracebacks,
discovery and knowledge. It never imports textual, so scripts and tests can use it
headless."""
