#!/usr/bin/env bash
# Create benchmarks/.venv-sb3: PyTorch (CPU), Stable-Baselines3 and sb3-contrib (RecurrentPPO)
# for benchmarks/train.py, apart from cognax's own venv. cognax goes in without its extras
# (--no-deps) plus what its Gymnasium adapter imports.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
venv="$here/.venv-sb3"
python="${PYTHON:-python3.11}"

"$python" -m venv "$venv"
# Exactly this command: it takes the CPU build of PyTorch; an unpinned torch pulls a CUDA build of several GB.
"$venv/bin/pip" install torch==2.13.0
"$venv/bin/pip" install stable-baselines3==2.9.2 sb3-contrib==2.9.2 gymnasium==1.4.0
"$venv/bin/pip" install -e "$root" --no-deps
"$venv/bin/pip" install jax==0.10.2 jaxlib==0.10.2 numpy==2.4.6 equinox==0.13.8 jaxtyping==0.3.11 \
    pandas==3.1.1 scipy==1.17.1
"$venv/bin/python" -c "import sb3_contrib, torch, cognax.tasks.gymnasium; print('sb3-contrib', sb3_contrib.__version__, 'torch', torch.__version__, 'ready in $venv')"
