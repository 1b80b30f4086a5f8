#!/usr/bin/env bash
# Installs PyTorch for bench/python/bench_python.py's autograd rows: Debian 12's python3-torch
# (1.13, CPU), for the same /usr/bin/python3 the module is built for. Not run by CI or
# scripts/test.sh: the package and its dependencies take about 730 MB, and only this
# benchmark uses them.
#
#   bash bench/python/setup-torch.sh
#   PYTHONPATH=out/release/python /usr/bin/python3 bench/python/bench_python.py
set -euo pipefail
if /usr/bin/python3 -c "import torch" 2>/dev/null; then
  /usr/bin/python3 -c "import torch; print('torch', torch.__version__, 'is installed')"
  exit 0
fi
sudo=()
if ((EUID != 0)); then sudo=(sudo); fi
"${sudo[@]}" apt-get install -y --no-install-recommends python3-torch
/usr/bin/python3 -c "import torch; print('torch', torch.__version__)"
