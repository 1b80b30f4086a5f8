# Shared helpers of the Python tests. ctest runs them with PYTHONPATH set to the build tree's
# python/ folder and SYMDIFF_CLI to the symdiff program (python/CMakeLists.txt).
import json
import os
import subprocess

import pytest


def cli(*args, stdin=None):
    """Runs the symdiff program; returns (status, stdout, stderr)."""
    exe = os.environ.get("SYMDIFF_CLI")
    if not exe:
        pytest.skip("SYMDIFF_CLI is not set (run the tests through ctest)")
    p = subprocess.run([exe, *args], capture_output=True, text=True, input=stdin)
    return p.returncode, p.stdout, p.stderr


def cli_out(*args):
    status, out, err = cli(*args)
    assert status == 0, err
    return out.rstrip("\n")


def cli_json(*args):
    return json.loads(cli_out(*args, "--format", "json"))
