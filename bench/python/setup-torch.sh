#!/usr/bin/env bash
# Installs PyTorch (CPU build) for bench/python/bench_python.py's autograd rows, into a virtual
# environment that still sees Debian's numpy, sympy and pandas. Not run by CI or scripts/test.sh:
# PyTorch is not a Debian package and the CPU wheel is about 200 MB (700 MB installed).
#
#   bash bench/python/setup-torch.sh            # makes out/bench-venv
#   PYTHONPATH=out/release/python out/bench-venv/bin/python bench/python/bench_python.py
#
# The module is built for Debian's Python 3.11, so the environment is made from
# /usr/bin/python3 (python3-venv provides the venv module).
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=${1:-out/bench-venv}
if ! /usr/bin/python3 -c "import venv, ensurepip" 2>/dev/null; then
  echo "setup-torch: needs Debian's python3-venv (apt-get install python3-venv)" >&2
  exit 1
fi
/usr/bin/python3 -m venv --system-site-packages "$venv"
"$venv/bin/python" -m pip install --index-url https://download.pytorch.org/whl/cpu torch
"$venv/bin/python" -c "import torch; print('torch', torch.__version__)"
