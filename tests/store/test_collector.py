"""The collector tuning of long-running processes: opt-in, applied when the store opens."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROBE = """
import gc, sys
from interlink import _collector
from interlink.store import open_store
store = open_store(f"sqlite:///{sys.argv[1]}/a.db"); store.close()
untuned = (gc.get_threshold()[0], gc.get_freeze_count())
_collector.enable()
store = open_store(f"sqlite:///{sys.argv[1]}/b.db"); store.close()
frozen = gc.get_freeze_count()
keep = [[] for _ in range(5000)]  # a second freeze would take these too
store = open_store(f"sqlite:///{sys.argv[1]}/c.db"); store.close()
again = gc.get_freeze_count()
_collector.disable()
print(untuned[0], untuned[1], frozen, again, gc.get_threshold()[0], gc.get_freeze_count())
"""


def test_the_tuning_is_opt_in_freezes_once_and_can_be_undone(tmp_path: Path) -> None:
    """A store opened without enable() leaves CPython's collector alone; enabled, the first
    open freezes what is alive (a later one adds nothing), and disable() restores it."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    untuned_threshold, untuned_frozen, frozen, again, threshold, after = map(
        int, done.stdout.split()
    )
    assert (untuned_threshold, untuned_frozen) == (700, 0)
    assert frozen > 10_000  # the modules, classes and schemas the imports created
    assert abs(again - frozen) < 100  # no second freeze (frozen objects may still die)
    assert (threshold, after) == (700, 0)


def test_the_console_script_enables_it() -> None:
    """`interlink` (the console script's main) runs with the larger young generation."""
    probe = (
        "import gc, sys; from interlink import cli; sys.argv = ['interlink', 'version'];\n"
        "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
        "print(gc.get_threshold()[0])"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split()[-1] == "10000"
