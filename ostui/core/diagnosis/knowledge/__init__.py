"""Diagnosis knowledge: HTTP status explanations, known-fault packs and their matcher.

Three parts, all headless:

* `explain_status(code, lang)` reads `ostui/data/http_status.toml` (English and
  Simplified Chinese) and falls back to the status class text for codes it lacks.
* Fault packs are TOML files of `[[fault]]` tables. The shipped ones live in
  `ostui/data/faults/`; users add their own in `$XDG_CONFIG_HOME/ostui/faults.d/`.
  `load_faults()` never raises on a bad file or entry: it records a message naming
  the file and line (or entry) in `pack.errors` and skips what it cannot use.
* `FaultMatcher` matches records against every fault. One combined regular
  expression rejects records that cannot match any fault with a single search,
  because the matcher runs on every ERROR/CRITICAL record while indexing.

`error_signature()` and `summarize_faults()` group the errors no fault explains.
"""

from __future__ import annotations

from ...i18n import LANGS, pick_lang
from .matcher import MATCH_LIMIT, FaultMatch, FaultMatcher, _literal_prefix, default_matcher
from .packs import (
    DEFAULT_PRIORITY,
    DEFAULT_USER_DIR,
    SHIPPED_PACKS,
    USER_PRIORITY,
    Fault,
    FaultLoadError,
    FaultPack,
    FaultRule,
    FixedVersion,
    PackInfo,
    Repeat,
    load_faults,
    parse_fault,
    parse_pack_text,
)
from .signatures import SIGNATURE_LIMIT, ErrorShape, error_shape, error_signature, mask_variables
from .status import StatusExplanation, explain_status, known_statuses, status_table
from .summary import FaultGroup, FaultSummary, fault_dict, summarize_faults
from .versions import Installed, compare_versions, find_installed, parse_package_list

__all__ = [
    "DEFAULT_PRIORITY",
    "DEFAULT_USER_DIR",
    "LANGS",
    "MATCH_LIMIT",
    "SHIPPED_PACKS",
    "SIGNATURE_LIMIT",
    "USER_PRIORITY",
    "ErrorShape",
    "Fault",
    "FaultGroup",
    "FaultLoadError",
    "FaultMatch",
    "FaultMatcher",
    "FaultPack",
    "FaultRule",
    "FaultSummary",
    "FixedVersion",
    "Installed",
    "PackInfo",
    "Repeat",
    "StatusExplanation",
    "_literal_prefix",
    "compare_versions",
    "default_matcher",
    "error_shape",
    "error_signature",
    "explain_status",
    "fault_dict",
    "find_installed",
    "known_statuses",
    "load_faults",
    "mask_variables",
    "parse_fault",
    "parse_pack_text",
    "parse_package_list",
    "pick_lang",
    "status_table",
    "summarize_faults",
]
