import atexit
import os
import shutil
import tempfile

import jax

# The CLI tests switch on JAX's persistent compilation cache: keep it apart from the user's.
os.environ["COGNAX_CACHE_DIR"] = tempfile.mkdtemp(prefix="cognax-test-cache-")
atexit.register(shutil.rmtree, os.environ["COGNAX_CACHE_DIR"], ignore_errors=True)

jax.config.update("jax_enable_x64", True)
