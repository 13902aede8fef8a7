"""Every DECISIONLOG.md entry says when it was made and whether it still holds."""

from __future__ import annotations

import re

from lifecycle import paths

STATUS_LINE = re.compile(r"^Date: \d{4}-\d{2}-\d{2}\. Status: (accepted|amended|superseded)\b")


def undated_entries(text: str) -> list[str]:
    lines = text.splitlines()
    return [
        line
        for i, line in enumerate(lines)
        if line.startswith("## ") and not (i + 1 < len(lines) and STATUS_LINE.match(lines[i + 1]))
    ]


def test_the_check_finds_an_entry_without_a_status_line():
    text = "## Dated\nDate: 2026-12-03. Status: accepted.\n\n## Undated\nWhy we did it.\n"
    assert undated_entries(text) == ["## Undated"]


def test_every_decision_is_dated_with_a_status():
    text = (paths.project_dir() / "DECISIONLOG.md").read_text(encoding="utf-8")
    assert text.count("\n## ") > 40
    assert undated_entries(text) == []
