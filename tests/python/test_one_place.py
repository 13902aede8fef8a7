"""Facts the project writes down once (issue 21): checks that fail when a second copy appears."""

from __future__ import annotations

import re
import subprocess

from lifecycle import paths


def tracked_files(*patterns: str) -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", *patterns], cwd=paths.project_dir(), capture_output=True, text=True, check=True
    )
    return [line for line in out.stdout.splitlines() if line]


def test_the_project_cites_no_document_it_does_not_ship():
    # the product brief the project was built from is not part of it: each rule is documented
    # where it lives (model docs, macros, README, docs/)
    root = paths.project_dir()
    citing = [
        f"{name}:{number}"
        for name in tracked_files("*.sql", "*.yml", "*.py", "*.md", "*.toml", "*.cfg")
        if name != "CHANGELOG.md"
        for number, line in enumerate((root / name).read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\bSPEC\b", line) and "SPEC\\b" not in line
    ]
    assert citing == []
