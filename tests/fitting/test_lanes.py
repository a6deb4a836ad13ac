"""Lanes that refill as problems finish: every problem gets its own answer, in order."""

import jax.numpy as jnp
import numpy as np

from cognax.fitting._lanes import solve_problems


def rosenbrock(u, shift, scale):
    """A shifted, scaled Rosenbrock valley: minimum 0 at u = shift (slow from far away)."""
    x, y = u[0] - shift[0] + 1.0, u[1] - shift[1] + 1.0
    return scale * ((1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2)


def test_every_problem_is_solved_in_its_own_row():
    rng = np.random.default_rng(0)
    n = 700  # more problems than lanes, and more than one call of the compiled loop
    shift = rng.uniform(-2, 2, (n, 2))
    scale = rng.uniform(0.5, 2.0, n)
    # Half start next to their minimum (a few iterations), half far down the valley (many).
    far = rng.uniform(-3, 3, (n, 2))
    u0 = np.where((np.arange(n) % 2 == 0)[:, None], shift + 0.01, shift + far)
    rounds = []
    states = solve_problems(
        rosenbrock, u0, (shift, scale), (), max_iter=200, tol=1e-8, lanes=512,
        progress=lambda done, total: rounds.append((done, total)),
    )
    np.testing.assert_allclose(states.u, shift, atol=1e-5)
    assert np.all(states.value < 1e-9)
    assert np.all(states.count[::2] < states.count[1::2].max())
    assert rounds[-1] == (n, n) and all(a <= b for (a, _), (b, _) in zip(rounds, rounds[1:]))


def test_shared_arguments_and_prepare():
    targets = jnp.asarray([[1.0, 2.0], [-3.0, 0.5]])

    def objective(u, target):
        return jnp.sum((u - target) ** 2)

    index = np.array([1, 0, 1])
    states = solve_problems(
        objective, np.zeros((3, 2)), (index,), (targets,), prepare=lambda i, all_targets: (all_targets[i],),
    )
    np.testing.assert_allclose(states.u, np.asarray(targets)[index], atol=1e-8)


SPLIT_SCRIPT = """
import sys
import jax
import numpy as np
from cognax import models, tasks
from cognax.data import to_batch
from cognax.devices import use_cpu_cores
from cognax.fitting import fit
from cognax.simulation import simulate
# Importing cognax must not start JAX: the device count can only be set before.
assert use_cpu_cores(int(sys.argv[1])) == int(sys.argv[1]), len(jax.devices())
jax.config.update("jax_enable_x64", True)
model, task = models.make("q_learning"), tasks.make("bandit", n_trials=80)
batch = to_batch(simulate(jax.random.key(1), model, task, n_subjects=41), task)  # 123 problems: uneven queues
result = fit(model, batch, jax.random.key(0), n_starts=3)
print(len(jax.devices()), *np.round(result.nll, 8))
"""


def test_lanes_split_over_cpu_devices_give_the_same_fits(tmp_path):
    """Two CPU devices (the CLI's default on a 2-core machine) each take half the lanes."""
    import os
    import subprocess
    import sys

    script = tmp_path / "split.py"
    script.write_text(SPLIT_SCRIPT)
    env = {**os.environ, "COGNAX_CPU_DEVICES": "", "XLA_FLAGS": ""}
    runs = [subprocess.run([sys.executable, str(script), str(n)], capture_output=True, text=True, env=env,
                           timeout=600) for n in (1, 2)]
    for run in runs:
        assert run.returncode == 0, run.stderr[-2000:]
    one, two = (run.stdout.split() for run in runs)
    assert one[0] == "1" and two[0] == "2"
    np.testing.assert_allclose(np.asarray(two[1:], float), np.asarray(one[1:], float), rtol=0, atol=1e-6)


def test_symmetric_eigen_matches_eigh_and_loops_over_a_batch():
    """The optimiser's eigendecomposition: LAPACK's answer, one matrix per call when vmapped
    (a batched call may deadlock two CPU devices, see ``symmetric_eigen``)."""
    import jax
    import jax.extend

    from cognax.fitting.optimize import symmetric_eigen

    rng = np.random.default_rng(3)
    a = rng.normal(size=(4, 6, 5, 5))
    a = a + np.swapaxes(a, -1, -2)
    values, vectors = jax.jit(jax.vmap(jax.vmap(symmetric_eigen)))(jnp.asarray(a))
    np.testing.assert_allclose(values, np.linalg.eigvalsh(a), rtol=0, atol=1e-12)
    rebuilt = np.einsum("...ij,...j,...kj->...ik", vectors, values, vectors)
    np.testing.assert_allclose(rebuilt, a, rtol=0, atol=1e-12)
    one_values, _ = symmetric_eigen(jnp.asarray(a[0, 0]))  # unbatched: a plain eigh
    np.testing.assert_allclose(one_values, np.linalg.eigvalsh(a[0, 0]), atol=1e-12)
    # Every eigh in the batched program sees one matrix at a time.
    jaxpr = jax.make_jaxpr(jax.vmap(symmetric_eigen))(jnp.asarray(a[0]))
    shapes = []

    def collect(jaxpr):
        for equation in jaxpr.eqns:
            if equation.primitive.name == "eigh":
                shapes.append(equation.invars[0].aval.shape)
            for sub in jax.extend.core.jaxprs_in_params(equation.params):
                collect(sub)

    collect(jaxpr.jaxpr)
    assert shapes and all(shape == (5, 5) for shape in shapes)
