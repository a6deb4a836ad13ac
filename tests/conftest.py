import atexit
import gc
import os
import shutil
import tempfile

import jax
import pytest

# The CLI switches on JAX's persistent compilation cache; the tests compile afresh, and
# keep a private folder all the same, should anything switch it on.
os.environ["COGNAX_COMPILATION_CACHE"] = "0"
# One CPU device, whatever order the tests run in (the CLI would otherwise expose every
# core; tests/fitting/test_lanes.py checks the split over several devices in a subprocess).
os.environ["COGNAX_CPU_DEVICES"] = "1"
os.environ["COGNAX_CACHE_DIR"] = tempfile.mkdtemp(prefix="cognax-test-cache-")
atexit.register(shutil.rmtree, os.environ["COGNAX_CACHE_DIR"], ignore_errors=True)

# JAX's own switch as well: once a process has used the cache, resetting the folder
# does not stop it, so nothing in the suite may switch it on.
jax.config.update("jax_enable_compilation_cache", False)
jax.config.update("jax_enable_x64", True)


@pytest.fixture(autouse=True, scope="module")
def _release_compiled_functions():
    """Drop JAX's compiled functions after each test module.

    Every XLA:CPU executable keeps its own memory mappings; a single process compiling
    the whole suite's functions passed Linux's limit (``vm.max_map_count``, 65,530) and
    crashed inside XLA. Dropping them between modules keeps the count bounded.
    """
    yield
    jax.clear_caches()
    gc.collect()


@pytest.fixture
def cognax_cli(monkeypatch, capsys):
    """Run ``cognax ARGS`` in this process: ``cognax_cli("fit", ...) -> (exit code, stdout, stderr)``."""
    import sys

    from cognax.cli.main import main

    def run(*args):
        monkeypatch.setattr(sys, "argv", ["cognax", *map(str, args)])
        monkeypatch.setenv("COLUMNS", "200")
        code = 0
        try:
            main()
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        out, err = capsys.readouterr()
        return code, out, err

    return run
