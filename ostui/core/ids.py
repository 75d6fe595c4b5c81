"""The ids that tie records together: oslo request ids and swift transaction ids.

One definition, used by the formats (fields), the index (request postings) and the
HTTP and request modules (correlation)."""

from __future__ import annotations

import re

REQUEST_ID = r"req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
REQUEST_ID_RE = re.compile(REQUEST_ID)
REQUEST_ID_RE_B = re.compile(REQUEST_ID.encode())
TXN_ID = r"tx[0-9a-f]{21}-[0-9a-f]{10}"
ANY_ID_RE = re.compile(f"{REQUEST_ID}|{TXN_ID}")
ANY_ID_RE_B = re.compile(f"{REQUEST_ID}|{TXN_ID}".encode())
