"""What every hBayesDM port shares: a base class, the hierarchy spec, parameter makers.

hBayesDM (Ahn, Haines & Zhang 2017) fits each model hierarchically: a subject's
parameter is ``transform(mu_pr + sigma * z)`` with ``z ~ Normal(0, 1)``, where the
transform is Stan's ``Phi_approx`` (times an upper bound) for a bounded parameter,
``exp`` for a positive one and the identity for a real one. Our parameters use the
same transforms, so an unconstrained value here is hBayesDM's ``mu_pr + sigma * z``.
"""

from __future__ import annotations

import math
from typing import ClassVar

from cognax.models.base import Model
from cognax.models.parameters import Parameter, Prior
from cognax.tasks.base import Reference

#: One parameter's group-level priors: ``(mu_pr distribution, its arguments, sigma
#: distribution, its arguments)``; distributions are ``"normal"`` (mean, sd),
#: ``"halfnormal"`` (scale) and ``"halfcauchy"`` (scale).
Hierarchy = tuple[str, tuple[float, ...], str, tuple[float, ...]]

#: hBayesDM's usual hierarchy: ``mu_pr ~ Normal(0, 1)``, ``sigma ~ HalfNormal(0.2)``.
DEFAULT_HIERARCHY: Hierarchy = ("normal", (0.0, 1.0), "halfnormal", (0.2,))
#: hBayesDM's hierarchy for wide real parameters (go bias, Pavlovian bias).
WIDE_HIERARCHY: Hierarchy = ("normal", (0.0, 10.0), "halfcauchy", (1.0,))

HBAYESDM = (
    "Ahn, Haines & Zhang 2017, Revealing neurocomputational mechanisms of reinforcement learning and "
    "decision-making with the hBayesDM package, Computational Psychiatry 1:24"
)


class HBayesDMModel(Model):
    """Base class of the hBayesDM ports: hBayesDM's parameter names, bounds and transforms.

    ``hierarchical_priors`` lists only the parameters whose group-level priors differ
    from :data:`DEFAULT_HIERARCHY`; :meth:`hierarchy` gives every parameter's.
    """

    hierarchical_priors: ClassVar[dict[str, Hierarchy]] = {}

    @classmethod
    def hierarchy(cls) -> dict[str, Hierarchy]:
        """Group-level priors of every parameter, in parameter order."""
        return {p.name: cls.hierarchical_priors.get(p.name, DEFAULT_HIERARCHY) for p in cls.parameters}


def reference(citation: str, doi: str = "") -> Reference:
    return Reference(f"{citation}; as implemented in {HBAYESDM}", doi)


def unit(name: str, prior: Prior, default: float, description: str, upper: float = 1.0) -> Parameter:
    """A parameter in [0, upper] mapped by ``upper * Phi_approx(u)``."""
    return Parameter(name, 0.0, upper, prior, default, description, transform="phi_approx")


def positive(name: str, prior: Prior, default: float, description: str) -> Parameter:
    """A parameter in (0, inf) mapped by ``exp(u)``."""
    return Parameter(name, 0.0, math.inf, prior, default, description)


def real(name: str, prior: Prior, default: float, description: str) -> Parameter:
    """An unbounded parameter (identity map)."""
    return Parameter(name, -math.inf, math.inf, prior, default, description)
