"""A DuckDB file that another process holds open: say who holds it and what to do.

DuckDB lets one process write a file at a time, and a process that holds a file open (a BI tool,
a notebook, an IDE's database panel, a second `lifecycle` command) keeps every other process from
writing it. DuckDB's own error is an IO error with the holder's program and PID deep in its text;
ingest and build turn it into a message that names the holder and the way out, with no traceback.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from lifecycle import paths

_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


class WarehouseLocked(Exception):
    """Another process holds the warehouse file open; the message says which and what to do."""


def lock_message(database: Path, error: BaseException) -> str | None:
    """What to tell a person when `error` is DuckDB failing to lock `database`; None for any other
    error."""
    text = str(error)
    if "Could not set lock" not in text and "Conflicting lock" not in text:
        return None
    match = _HOLDER.search(text)
    holder = f"{match['program']} (PID {match['pid']})" if match else "another process"
    return (
        f"{database} is in use: {holder} holds it open, and DuckDB lets only one process write a"
        " file at a time.\n"
        "What to do: close that program's connection to this file (a BI tool, a notebook, an IDE"
        " or another lifecycle command still running) and run the command again. BI tools and"
        f" syncs should read the serving copy ({paths.serving_path(database)}), which a build"
        " never locks."
    )


def check_writable(database: Path) -> str | None:
    """None when `database` can be opened for writing now (or does not exist yet), else the message
    of lock_message. Other errors are raised as they are."""
    if not database.exists():
        return None
    try:
        con = duckdb.connect(str(database), config=paths.duckdb_config(database))
    except duckdb.Error as err:
        message = lock_message(database, err)
        if message is None:
            raise
        return message
    con.close()
    return None
