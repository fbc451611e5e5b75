"""Shared test helpers: run the ``usage`` command the way a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

# The oracle tests import their helpers as top-level modules (captures, oracle),
# whether or not tests/ is a package.
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))


class UsageCLI:
    """``python -m hotspot_manager usage ...`` in a subprocess."""

    def run(self, *args: object, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        return subprocess.run(
            [sys.executable, "-m", "hotspot_manager", "usage", *map(str, args)],
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            env=env,
            timeout=timeout,
            check=False,
        )

    def json(self, *args: object) -> dict:
        """Run with --json, insist on exit 0, return the parsed document."""
        proc = self.run(*args, "--json")
        assert proc.returncode == 0, (
            f"usage {' '.join(map(str, args))} --json exited {proc.returncode}\n"
            f"stderr:\n{proc.stderr[-3000:]}"
        )
        return json.loads(proc.stdout)


@pytest.fixture(scope="session")
def cli() -> UsageCLI:
    return UsageCLI()
