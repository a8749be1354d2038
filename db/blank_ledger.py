"""New ledgers from a blank one made once per process.

Migrating a new file runs every migration's DDL, ~110 ms of CPU; copying a file that already holds the
migrated, empty schema costs under 1 ms. A process that creates one ledger (`predictions init`) migrates it
in place as ever; from its second new ledger on (a server, an import into fresh ledgers, the test suite) it
copies a blank one made once and kept in memory (~0.8 MB).

The copy is put in place by a hard link from a temporary file beside the target, which fails instead of
replacing a file that another process created meanwhile: the target is then left to that process, and the
caller's migration finds it up to date or brings it up to date, as for any existing file.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import threading
from pathlib import Path

from db import connection, migrations


class _BlankLedgers:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._new_ledgers = 0
        # by the migrations it holds: a test that swaps MIGRATIONS gets a blank ledger of its own
        self._blank: dict[tuple[int, int], bytes] = {}

    def place(self, path: Path) -> bool:
        """Put a blank ledger at `path` when nothing is there and this is not the process's first; True
        when one was put there (its migrations then carry the blank's time: see `restamp`)."""
        if path.exists():
            return False
        with self._lock:
            self._new_ledgers += 1
            if self._new_ledgers == 1:
                return False
            blank = self._blank_bytes()
        return _link_new(path, blank)

    def _blank_bytes(self) -> bytes:
        key = (id(migrations.MIGRATIONS), connection.known_version())
        if key not in self._blank:
            with tempfile.TemporaryDirectory(prefix="blank-ledger-") as folder:
                made = Path(folder) / "blank.duckdb"
                with connection.unit_of_work(made) as con:
                    migrations.migrate(con)
                self._blank = {key: made.read_bytes()}  # closed and checkpointed: the file is all of it
        return self._blank[key]


def _link_new(path: Path, content: bytes) -> bool:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.new")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # os.open with 0o666, not mkstemp's 0o600: the ledger gets the mode DuckDB would give it (umask)
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError:  # an unwritable folder: left to the connection, which says why in one line
        return False
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.link(temporary, path)
        return True
    except OSError:  # created meanwhile (FileExistsError), or no hard links here: migrate in place
        return False
    finally:
        os.unlink(temporary)


_BLANKS = _BlankLedgers()
place = _BLANKS.place
