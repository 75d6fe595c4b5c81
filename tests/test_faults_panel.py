"""The browser's fault panel hands the fault over whole: rule, cause, every step, bugs, links."""

from __future__ import annotations

from textual.app import App, ComposeResult

from ostui.core.diagnosis.knowledge import FaultMatcher, load_faults
from ostui.core.indexing.logset import LogFile, open_files
from ostui.core.indexing.records import parse_record
from ostui.tui.widgets.fault_panel import FaultPanel

from .conftest import DATA
from .waiting import workers_settled

LP1979089 = DATA / "faults" / "neutron-l3-agent-lp1979089.log"


class Host(App[None]):
    def __init__(self, panel: FaultPanel) -> None:
        super().__init__()
        self.panel = panel

    def compose(self) -> ComposeResult:
        yield self.panel


async def test_fault_panel_shows_rule_all_steps_bug_and_link_in_both_languages() -> None:
    pack = load_faults(None)
    fault = pack.get("hotsos-lp1979089-l3-namespace-respawn")
    assert fault is not None
    lf = LogFile(LP1979089, "net1", "neutron", "neutron-l3-agent")
    open_files([lf])
    assert lf.index is not None
    panel = FaultPanel(matcher=FaultMatcher(pack))
    async with Host(panel).run_test(size=(200, 60)) as pilot:
        panel.record = parse_record(lf.index, 0)
        await workers_settled(pilot.app)
        await pilot.pause()
        text = str(panel.render())
        assert f"Known fault: {fault.title}" in text
        assert "Repetition rule: counts only at 10 or more within 1 h on one node" in text
        for n, step in enumerate(fault.fix, 1):
            assert f"{n}. {step}" in text
        assert "Bugs: LP#1979089" in text and "https://bugs.launchpad.net/bugs/1979089" in text

        panel.lang = "zh"
        await pilot.pause()
        text = str(panel.render())
        assert f"已知故障：{fault.title_zh}" in text and "原因：" in text and "处理步骤：" in text
        assert all(f"{n}. {step}" in text for n, step in enumerate(fault.fix_zh, 1))
        assert "重复规则：同一节点在 1 小时内出现至少 10 次才算此故障" in text
