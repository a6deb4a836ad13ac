"""The successor representation (SR): the hippocampus as a predictive map (Stachenfeld et al. 2017).

For a policy with state-transition matrix T and discount gamma, the SR

    M = sum_t gamma^t T^t = (I - gamma T)^(-1)

holds in M[s, s'] the expected discounted number of future visits to s' starting from
s. Read as a population code, column s' of M is the "place field" of a cell tuned to
s': its firing at each location is how much that location predicts s'. M is learned
by temporal differences from experienced transitions s -> s':

    M[s, :] <- M[s, :] + learning_rate (onehot(s) + gamma M[s', :] - M[s, :]),

and a state that ends an episode has M[s, :] = onehot(s) as its target.

Two environments of the paper:

* a linear track run in one direction (``linear_track``): each step moves right with
  probability ``p_right``, else left; place fields skew backward, against the
  direction of travel (Mehta et al. 2000);
* an open 2-D field explored by a random walk (``open_field``): each step picks one
  of four directions, staying put when a wall blocks it, so T = I - L / 4 with L the
  grid graph's Laplacian; the SR shares L's eigenvectors, and its top ones are the
  low-frequency cosine modes of the grid: periodic, grid-cell-like patterns.

Reference: Stachenfeld KL, Botvinick MM, Gershman SJ (2017). The hippocampus as a
predictive map. Nat Neurosci 20:1643-1653. Dayan P (1993). Improving generalization
for temporal difference learning: the successor representation. Neural Comput 5:613-624.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float
from scipy import linalg

from cognax.errors import CognaxError
from cognax.tasks.base import check_count, check_probability


def linear_track(n_states: int, p_right: float) -> tuple[np.ndarray, int, int]:
    """Transition matrix of laps on a linear track; returns ``(T, start, end)``.

    Laps start at state 0 and end on reaching state ``n_states - 1`` (an episode end,
    so T's last row is zero). A step left from state 0 stays there.
    """
    check_count("n_states", n_states, minimum=3)
    p_right = check_probability("p_right", p_right)
    transitions = np.zeros((n_states, n_states))
    for state in range(n_states - 1):
        transitions[state, state + 1] += p_right
        transitions[state, max(state - 1, 0)] += 1.0 - p_right
    return transitions, 0, n_states - 1


def open_field(width: int, height: int) -> np.ndarray:
    """Random-walk transitions on a ``width x height`` grid (state = y * width + x).

    Each step picks up, down, left or right with probability 1/4 and stays put when a
    wall is in the way, so T is symmetric: T = I - L / 4.
    """
    check_count("width", width, minimum=2)
    check_count("height", height, minimum=2)
    n = width * height
    transitions = np.zeros((n, n))
    for y in range(height):
        for x in range(width):
            state = y * width + x
            for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                nx, ny = x + dx, y + dy
                inside = 0 <= nx < width and 0 <= ny < height
                transitions[state, ny * width + nx if inside else state] += 0.25
    return transitions


def successor_representation(transitions, discount: float) -> np.ndarray:
    """Closed form M = (I - gamma T)^(-1)."""
    transitions = _check_transitions(transitions)
    if not 0.0 <= float(discount) < 1.0:
        raise CognaxError(f"discount must lie in [0, 1); got {discount!r}")
    return np.linalg.inv(np.eye(transitions.shape[0]) - discount * transitions)


def _check_transitions(transitions) -> np.ndarray:
    transitions = np.asarray(transitions, dtype=float)
    if transitions.ndim != 2 or transitions.shape[0] != transitions.shape[1]:
        raise CognaxError(f"transitions must be a square (state x state) matrix; got shape {transitions.shape}")
    rows = transitions.sum(1)
    if (transitions < 0).any() or not np.all(np.isclose(rows, 1.0) | np.isclose(rows, 0.0)):
        raise CognaxError("each row of transitions must be probabilities summing to 1 (or 0 for an episode end)")
    return transitions


def sample_trajectory(
    key: jax.Array, transitions, start: int, n_steps: int
) -> tuple[Float[Array, "step"], Float[Array, "step"], Float[Array, "step"]]:
    """States visited over ``n_steps`` steps from ``start``; an episode end restarts at ``start``.

    Returns ``(states, next_states, ends)`` arrays of length ``n_steps``; ``ends`` marks
    steps whose state ends an episode (its ``next_state`` is the next episode's start).
    """
    transitions = jnp.asarray(_check_transitions(transitions))
    ends = transitions.sum(1) == 0
    logits = jnp.where(transitions > 0, jnp.log(jnp.where(transitions > 0, transitions, 1.0)), -jnp.inf)

    def step(state, key):
        drawn = jax.random.categorical(key, jnp.where(ends[state], 0.0, logits[state]))
        following = jnp.where(ends[state], start, drawn).astype(jnp.int32)
        return following, (state, following, ends[state])

    _, (states, following, is_end) = jax.lax.scan(step, jnp.int32(start), jax.random.split(key, n_steps))
    return states, following, is_end


def learn_successor_representation(
    states, next_states, ends, n_states: int, discount: float, learning_rate: float, average_last: int | None = None,
) -> np.ndarray:
    """TD learning of M from experienced transitions (module docstring); starts at M = 0.

    ``average_last``: average M over its last ``average_last`` updates (Polyak averaging
    damps the sampling jitter of a constant learning rate); ``None``: the final M.
    """
    check_count("n_states", n_states)
    if not 0.0 <= float(discount) < 1.0 or not 0.0 < float(learning_rate) <= 1.0:
        raise CognaxError(f"need discount in [0, 1) and learning_rate in (0, 1]; got {discount!r}, {learning_rate!r}")
    states = jnp.asarray(states, dtype=jnp.int32)
    n_steps = states.shape[0]
    average_last = n_steps if average_last is None else average_last
    if not 1 <= average_last <= n_steps:
        raise CognaxError(f"average_last must be in [1, {n_steps}]; got {average_last}")
    return np.asarray(_learn_sr(
        states, jnp.asarray(next_states, jnp.int32), jnp.asarray(ends, bool), jnp.eye(n_states), discount,
        learning_rate, n_steps - average_last,
    ))


@jax.jit
def _learn_sr(states, next_states, ends, identity, discount, learning_rate, start):
    def step(carry, inputs):
        sr, total = carry
        state, following, end, index = inputs
        bootstrap = jnp.where(end, 0.0, discount) * sr[following]
        sr = sr.at[state].add(learning_rate * (identity[state] + bootstrap - sr[state]))
        return (sr, total + jnp.where(index >= start, sr, 0.0)), None

    zeros = jnp.zeros_like(identity)
    (_, total), _ = jax.lax.scan(step, (zeros, zeros), (states, next_states, ends, jnp.arange(states.shape[0])))
    return total / (states.shape[0] - start)


def field_skew(successor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Peak and centre of mass (in state units) of each place field, i.e. each column of M."""
    successor = np.asarray(successor, dtype=float)
    positions = np.arange(successor.shape[0])
    peaks = successor.argmax(axis=0)
    centres = positions @ successor / successor.sum(axis=0)
    return peaks, centres


def top_eigenvectors(successor: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` eigenvectors of the (symmetrised) SR with the largest eigenvalues, as columns."""
    successor = np.asarray(successor, dtype=float)
    symmetric = 0.5 * (successor + successor.T)
    values, vectors = np.linalg.eigh(symmetric)
    return vectors[:, np.argsort(values)[::-1][:k]]


def cosine_modes(width: int, height: int, k: int) -> np.ndarray:
    """The ``k`` lowest-frequency eigenvectors of the grid Laplacian: products of cosines.

    Mode (a, b) is cos(pi a (x + 1/2) / width) cos(pi b (y + 1/2) / height), with
    Laplacian eigenvalue 4 - 2 cos(pi a / width) - 2 cos(pi b / height).
    """
    x = np.arange(width)
    y = np.arange(height)
    modes = []
    for a in range(width):
        for b in range(height):
            eigenvalue = 4 - 2 * np.cos(np.pi * a / width) - 2 * np.cos(np.pi * b / height)
            pattern = np.outer(np.cos(np.pi * b * (y + 0.5) / height), np.cos(np.pi * a * (x + 0.5) / width)).ravel()
            modes.append((eigenvalue, pattern / np.linalg.norm(pattern)))
    modes.sort(key=lambda item: item[0])
    return np.column_stack([pattern for _, pattern in modes[:k]])


def largest_subspace_angle(a: np.ndarray, b: np.ndarray) -> float:
    """Largest principal angle (radians) between the column spaces of ``a`` and ``b``."""
    return float(np.max(linalg.subspace_angles(a, b)))


__all__ = [
    "linear_track", "open_field", "successor_representation", "sample_trajectory",
    "learn_successor_representation", "field_skew", "top_eigenvectors", "cosine_modes", "largest_subspace_angle",
]
