#!/usr/bin/env bash
# Create benchmarks/.venv-stan: PyStan 3 for benchmarks/hierarchical.py, apart from cognax's venv.
# PyStan compiles each Stan program on first use with the machine's C++ compiler (g++),
# offline (httpstan's wheel ships Stan itself). PyStan still imports pkg_resources,
# which setuptools 81 removed, hence the pin.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv-stan"
python="${PYTHON:-python3.11}"

command -v g++ >/dev/null || { echo "PyStan needs a C++ compiler: apt-get install g++" >&2; exit 1; }
"$python" -m venv "$venv"
"$venv/bin/pip" install "setuptools<81" pystan
"$venv/bin/python" -c "import stan, httpstan; from importlib.metadata import version; print('pystan', version('pystan'), 'httpstan', version('httpstan'), 'ready in $venv')"
