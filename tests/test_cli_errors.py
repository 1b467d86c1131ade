"""Bad input on any command: one line on stderr, exit code 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

CASES = [
    (["forecast", "--target", "deaths"], "Invalid value for '--target'"),
    (["graph", "--format", "nope"], "Invalid value for '--format'"),
    (["simulate", "--runs", "0"], "Invalid value for '--runs'"),
    (["relations", "--bogus"], "No such option: --bogus"),
    (["nosuchcmd"], "No such command 'nosuchcmd'"),
    (["validate"], "Missing argument"),
    (["series", "--measure", "deaths"], "Invalid value for '--measure'"),
]


@pytest.mark.parametrize(("args", "needle"), CASES, ids=lambda a: " ".join(a) if
                         isinstance(a, list) else None)
def test_usage_errors_are_one_line(args, needle):
    proc = subprocess.run([sys.executable, "-m", "sarhad", *args], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sarhad: error: ") and needle in lines[0]
    assert "Traceback" not in proc.stderr and "Value error" not in proc.stderr


def test_no_arguments_shows_help_and_exits_0():
    proc = subprocess.run([sys.executable, "-m", "sarhad"], capture_output=True, text=True)
    assert proc.returncode == 0 and "brief" in proc.stdout + proc.stderr


def test_help_and_version_exit_0():
    proc = subprocess.run([sys.executable, "-m", "sarhad", "--version"], capture_output=True,
                          text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("sarhad ")
