#!/usr/bin/env bash
# Create benchmarks/.venv-torch: PyTorch (CPU) and, if it installs beside it, biotorch, for
# benchmarks/circuits.py. PyTorch never goes into cognax's own extras, so it gets a venv of its own.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv-torch"
python="${PYTHON:-python3.11}"

"$python" -m venv "$venv"
# Exactly this command: it takes the CPU build of PyTorch; an unpinned torch pulls a CUDA build of several GB.
"$venv/bin/pip" install torch==2.13.0 numpy==2.4.6 scikit-learn==1.9.1
# biotorch 0.0.16 (2021) pins old releases of torch/numpy; try it without letting it replace them.
if "$venv/bin/pip" install --no-deps biotorch==0.0.16 && "$venv/bin/python" -c "import biotorch.layers.fa" 2>/dev/null; then
    echo "biotorch importable in $venv"
else
    echo "biotorch does not import beside torch 2.13.0; benchmarks/circuits.py uses its plain PyTorch rules"
    "$venv/bin/pip" uninstall -y biotorch >/dev/null 2>&1 || true
fi
"$venv/bin/python" -c "import torch; print('torch', torch.__version__, 'ready in $venv')"
