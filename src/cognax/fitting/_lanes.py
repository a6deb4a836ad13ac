"""Run many small optimisation problems side by side, refilling lanes as problems finish.

A fit is thousands of small problems (subject x start x profiled value). Vmapping one
optimiser loop over all of them makes every lane wait for the slowest; here a fixed
number of lanes each hold one problem, advance a few iterations per round, and a lane
whose problem is done takes the next waiting one. Only one shape is compiled for the
full lanes; when the queue runs dry and few problems remain, they move to a narrower
set of lanes so the stragglers do not pay for idle ones.

With several JAX devices (CPU cores exposed as devices, see
:func:`cognax.devices.use_cpu_cores`, or GPUs) the lanes are split evenly between them
and each device runs its share on its own.
"""

from __future__ import annotations

import functools
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from cognax.fitting.optimize import OPTIMIZERS, safe_objective

#: Iterations per lane between two refills.
ITERATIONS_PER_ROUND = 3
#: Remaining problems move to lanes this many times narrower (never narrower than ``MIN_LANES``).
SHRINK_FACTOR = 8
MIN_LANES = 64


def solve_problems(
    objective: Callable,
    u0: np.ndarray,
    problem_args: tuple,
    shared_args: tuple,
    optimizer: str = "newton",
    max_iter: int = 100,
    tol: float = 1e-5,
    lanes: int = 256,
    prepare: Callable | None = None,
    progress: Callable[[int, int], None] | None = None,
):
    """Minimise ``objective(u, *prepare(*problem_args[i], *shared_args))`` for every problem ``i``.

    Args:
        objective: scalar function of the unconstrained vector ``u`` and the arguments.
        u0: ``[problem, n]`` starting points.
        problem_args: arrays with a leading ``problem`` axis (an index into shared data, a
            profiled value, ...), gathered per lane.
        shared_args: arrays every problem sees whole (the data of all subjects).
        optimizer: a key of :data:`~cognax.fitting.optimize.OPTIMIZERS`.
        max_iter, tol: per-problem iteration cap and gradient-norm tolerance.
        lanes: problems advanced side by side (bounds memory; one compile per width).
        prepare: builds a lane's objective arguments once per round (default: the
            problem's arguments followed by the shared ones), e.g. to gather a subject's data.
        progress: called as ``progress(finished, total)`` after every round.

    Returns:
        The final optimiser states, as numpy arrays with one row per problem (for every
        optimiser: ``u``, ``value``, ``grad_norm`` — the optimiser's last — and ``count``).
    """
    u0 = np.asarray(u0, dtype=float)
    n_problems = u0.shape[0]
    opt = OPTIMIZERS[optimizer]
    problem_args = tuple(np.asarray(a) for a in problem_args)

    # Widths are powers of two of at least MIN_LANES, so fits of different sizes share compiles.
    width = max(1, min(lanes, max(MIN_LANES, 1 << (n_problems - 1).bit_length())))
    n_devices = _device_count(width)
    advance = _advance_function(optimizer, objective, max_iter, tol, prepare or _concatenate, n_devices)
    slot_problem = np.full(width, -1)
    next_problem = finished = 0
    # Every lane starts fresh in the first round, so only the state's shapes matter: zeros
    # made by NumPy (no eager JAX operation, each of which would compile on its own) and
    # with no weakly typed leaf (the rounds' outputs have none; one would compile twice).
    shapes = jax.eval_shape(jax.vmap(opt.init), jax.ShapeDtypeStruct((width, u0.shape[1]), u0.dtype))
    place = _placement(n_devices)
    state = jax.tree.map(lambda x: place(np.zeros(x.shape, x.dtype)), shapes)
    out = jax.tree.map(lambda x: np.zeros((n_problems, *x.shape[1:]), x.dtype), state)

    while True:
        free = np.flatnonzero(slot_problem < 0)
        take = free[: max(0, min(len(free), n_problems - next_problem))]
        fresh = np.zeros(width, dtype=bool)
        fresh[take] = True
        slot_problem[take] = np.arange(next_problem, next_problem + len(take))
        next_problem += len(take)
        active = slot_problem >= 0
        if not active.any():
            break
        new_width = width // SHRINK_FACTOR
        if next_problem == n_problems and active.sum() <= new_width and new_width >= MIN_LANES:
            keep = np.flatnonzero(active)
            index = np.concatenate([keep, np.full(new_width - len(keep), keep[0])])
            state = jax.tree.map(lambda x: place(np.asarray(x)[index]), state)
            slot_problem = np.concatenate([slot_problem[keep], np.full(new_width - len(keep), -1)])
            fresh = np.concatenate([fresh[keep], np.zeros(new_width - len(keep), dtype=bool)])
            width, active = new_width, slot_problem >= 0
        source = np.where(active, slot_problem, 0)
        state, done = advance(
            state, place(u0[source]), place(fresh), place(~active),
            tuple(place(a[source]) for a in problem_args), shared_args,
        )
        done = np.asarray(done) & active
        if done.any():
            slots = np.flatnonzero(done)
            problems = slot_problem[slots]
            out = _store(out, state, slots, problems)
            slot_problem[slots] = -1
            finished += len(slots)
            if progress is not None:
                progress(finished, n_problems)
    return out


def _store(out, state, slots, problems):
    """Copy the finished lanes' states into their problems' rows."""

    def put(stored, values):
        stored[problems] = np.asarray(values)[slots]
        return stored

    return jax.tree.map(put, out, state)


def _concatenate(*args):
    return args


def _device_count(width: int) -> int:
    """How many devices share the lanes: the most (a power of two) that split them evenly."""
    n = 1 << (jax.local_device_count().bit_length() - 1)
    while n > 1 and min(width, MIN_LANES) % n:
        n //= 2
    return n


@functools.lru_cache(maxsize=8)
def _lane_sharding(n_devices: int):
    mesh = jax.make_mesh((n_devices,), ("lanes",), devices=jax.local_devices()[:n_devices],
                         axis_types=(jax.sharding.AxisType.Auto,))
    return jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("lanes"))


def _placement(n_devices: int) -> Callable:
    """Puts an array with a leading lanes axis where the rounds expect it (split over devices)."""
    if n_devices == 1:
        return jnp.asarray
    sharding = _lane_sharding(n_devices)
    return lambda x: jax.device_put(x, sharding)


@functools.lru_cache(maxsize=32)
def _advance_function(optimizer: str, objective: Callable, max_iter: int, tol: float, prepare: Callable,
                      n_devices: int = 1):
    """The jitted round: (re)start fresh lanes, then up to ITERATIONS_PER_ROUND iterations each.

    Cached, so that fits with the same objective function reuse one compiled round. With
    ``n_devices`` > 1 each device advances its own block of lanes (``shard_map``), so one
    device's slow lanes never hold up another's.
    """
    opt = OPTIMIZERS[optimizer]
    safe = safe_objective(objective)

    def one_lane(state, u_fresh, fresh, idle, lane_args, shared_args):
        state = jax.tree.map(lambda new, old: jnp.where(fresh, new, old), opt.init(u_fresh), state)
        args = prepare(*lane_args, *shared_args)

        def keep_going(carry):
            s, i = carry
            return (i < ITERATIONS_PER_ROUND) & ~idle & ~opt.done(s, max_iter, tol)

        state, _ = jax.lax.while_loop(keep_going, lambda c: (opt.step(safe, c[0], *args), c[1] + 1), (state, 0))
        return state, opt.done(state, max_iter, tol)

    lanes = jax.vmap(one_lane, in_axes=(0, 0, 0, 0, 0, None))
    if n_devices > 1:
        mesh = _lane_sharding(n_devices).mesh
        split, whole = jax.sharding.PartitionSpec("lanes"), jax.sharding.PartitionSpec()
        lanes = jax.shard_map(lanes, mesh=mesh, in_specs=(split,) * 5 + (whole,), out_specs=split, check_vma=False)
    return jax.jit(lanes)
