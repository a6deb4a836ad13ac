import atexit
import os
import shutil
import tempfile

import jax

# The CLI switches on JAX's persistent compilation cache. Not in the tests: one process
# compiling thousands of functions with it on crashed inside jaxlib's executable
# serialisation. A private folder all the same, should anything switch it on.
os.environ["COGNAX_COMPILATION_CACHE"] = "0"
os.environ["COGNAX_CACHE_DIR"] = tempfile.mkdtemp(prefix="cognax-test-cache-")
atexit.register(shutil.rmtree, os.environ["COGNAX_CACHE_DIR"], ignore_errors=True)

# JAX's own switch as well: once a process has used the cache, resetting the folder
# does not stop it, so nothing in the suite may switch it on.
jax.config.update("jax_enable_compilation_cache", False)
jax.config.update("jax_enable_x64", True)
