"""Parameter specifications: bounds, transforms to an unconstrained space, priors.

Fits run in an unconstrained space: a parameter bounded on both sides maps through a
scaled logistic, one bounded below through ``low + exp(u)``, an unbounded one through
the identity.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Literal

import jax
import jax.numpy as jnp
import jax.scipy.stats as jstats
import numpy as np


PHI_APPROX_CUBIC, PHI_APPROX_LINEAR = 0.07056, 1.5976


def phi_approx(u):
    """Stan's ``Phi_approx``: a logistic approximation of the standard normal CDF."""
    return jax.nn.sigmoid(PHI_APPROX_CUBIC * u**3 + PHI_APPROX_LINEAR * u)


def inverse_phi_approx_logit(logit):
    """The u with ``0.07056 u^3 + 1.5976 u = logit`` (one real root; Cardano's formula)."""
    p = PHI_APPROX_LINEAR / PHI_APPROX_CUBIC
    q = -logit / PHI_APPROX_CUBIC
    root = jnp.sqrt(q**2 / 4 + p**3 / 27)
    return jnp.cbrt(-q / 2 + root) + jnp.cbrt(-q / 2 - root)


@dataclasses.dataclass(frozen=True)
class Prior:
    """A prior on the natural scale (Beta, Gamma, Normal or Uniform on the bounds).

    Attributes:
        kind: ``"beta"`` (a, b), ``"gamma"`` (shape, scale), ``"normal"`` (mean, sd)
            or ``"uniform"`` (on the parameter's bounds).
        args: the distribution's arguments, in the order above.
    """

    kind: Literal["beta", "gamma", "normal", "uniform"]
    args: tuple[float, ...] = ()

    def log_prob(self, x, low: float, high: float):
        if self.kind == "beta":
            a, b = self.args
            return jstats.beta.logpdf((x - low) / (high - low), a, b) - math.log(high - low)
        if self.kind == "gamma":
            shape, scale = self.args
            return jstats.gamma.logpdf(x - low, shape, scale=scale)
        if self.kind == "normal":
            mean, sd = self.args
            return jstats.norm.logpdf(x, mean, sd)
        return jnp.where((x >= low) & (x <= high), -math.log(high - low), -jnp.inf)

    def sample(self, key: jax.Array, shape: tuple[int, ...], low: float, high: float):
        if self.kind == "beta":
            a, b = self.args
            x = low + (high - low) * jax.random.beta(key, a, b, shape)
        elif self.kind == "gamma":
            shape_, scale = self.args
            x = low + scale * jax.random.gamma(key, shape_, shape)
        elif self.kind == "normal":
            mean, sd = self.args
            x = mean + sd * jax.random.normal(key, shape)
        else:
            x = jax.random.uniform(key, shape, minval=low, maxval=high)
        return jnp.clip(x, low, high)

    def sample_numpy(self, rng: np.random.Generator, shape: tuple[int, ...], low: float, high: float) -> np.ndarray:
        """:meth:`sample` with a NumPy generator (no compiling: for a fit's starting points)."""
        if self.kind == "beta":
            x = low + (high - low) * rng.beta(*self.args, shape)
        elif self.kind == "gamma":
            shape_, scale = self.args
            x = low + rng.gamma(shape_, scale, shape)
        elif self.kind == "normal":
            x = rng.normal(*self.args, shape)
        else:
            x = rng.uniform(low, high, shape)
        return np.clip(x, low, high)

    def __str__(self) -> str:
        return f"{self.kind}({', '.join(f'{a:g}' for a in self.args)})"


@dataclasses.dataclass(frozen=True)
class Parameter:
    """One free parameter of a cognitive model.

    Attributes:
        name: descriptive name (``learning_rate``, not ``alpha``).
        low, high: bounds on the natural scale (``-inf``/``inf`` for none).
        prior: default prior, used by MAP and hierarchical fits and to draw parameters.
        default: a typical value, used when simulating without a given value.
        description: one line for documentation.
        transform: how a parameter bounded on both sides maps from the unconstrained
            space: ``"logistic"`` or ``"phi_approx"`` (Stan's ``Phi_approx``,
            logistic(0.07056 u^3 + 1.5976 u), as hBayesDM uses).
    """

    name: str
    low: float
    high: float
    prior: Prior
    default: float
    description: str = ""
    transform: Literal["logistic", "phi_approx"] = "logistic"

    def __post_init__(self):
        if math.isinf(self.low) and math.isfinite(self.high):
            raise ValueError("parameters bounded only above are not supported")

    def constrain(self, u):
        """Unconstrained value -> natural scale."""
        if math.isfinite(self.low) and math.isfinite(self.high):
            if self.transform == "phi_approx":
                return self.low + (self.high - self.low) * phi_approx(u)
            return self.low + (self.high - self.low) * jax.nn.sigmoid(u)
        if math.isfinite(self.low):
            return self.low + jnp.exp(u)
        return u

    def unconstrain(self, x):
        """Natural scale -> unconstrained value (bounds map to large finite values)."""
        x = jnp.asarray(x, dtype=float)
        if math.isfinite(self.low) and math.isfinite(self.high):
            z = jnp.clip((x - self.low) / (self.high - self.low), 1e-9, 1 - 1e-9)
            logit = jnp.log(z) - jnp.log1p(-z)
            return inverse_phi_approx_logit(logit) if self.transform == "phi_approx" else logit
        if math.isfinite(self.low):
            return jnp.log(jnp.maximum(x - self.low, 1e-12))
        return x

    def log_prior(self, x):
        return self.prior.log_prob(x, self.low, self.high)

    def bounds_text(self) -> str:
        lo = "-inf" if math.isinf(self.low) else f"{self.low:g}"
        hi = "inf" if math.isinf(self.high) else f"{self.high:g}"
        return f"[{lo}, {hi}]"
