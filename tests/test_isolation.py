"""The suite never sees the developer's own configuration."""

from __future__ import annotations

import os
from pathlib import Path

from ostui.core.diagnosis.knowledge import load_faults
from ostui.core.live.remote import default_inventory


def test_home_and_config_are_private(isolated_environment: Path) -> None:
    assert Path.home() == isolated_environment
    assert default_inventory().is_relative_to(isolated_environment)
    assert os.environ["LC_ALL"] == "C.UTF-8"


def test_a_users_broken_pack_would_show_but_the_suite_has_none() -> None:
    # A broken pack in the real ~/.config would put an error here; the private home has none.
    assert load_faults().errors == []
