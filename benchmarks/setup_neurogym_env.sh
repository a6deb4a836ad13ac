#!/usr/bin/env bash
# Create benchmarks/.venv-neurogym: NeuroGym and PyTorch (CPU) for benchmarks/tasks.py.
# NeuroGym pins old numpy/gymnasium, so it gets a venv of its own, apart from cognax's.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv-neurogym"
python="${PYTHON:-python3.11}"

"$python" -m venv "$venv"
# Exactly this command: it takes the CPU build of PyTorch; an unpinned torch pulls a CUDA build of several GB.
"$venv/bin/pip" install torch==2.13.0
"$venv/bin/pip" install -r "$here/requirements-neurogym.txt"
"$venv/bin/python" -c "import neurogym; print('neurogym', neurogym.__version__, 'ready in $venv')"
