"""Reading one record's text: formats, envelopes around lines, HTTP fields, tracebacks,
client transcripts."""
