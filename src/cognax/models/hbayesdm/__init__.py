"""Ports of hBayesDM's models with hBayesDM's parameter names, bounds and transforms.

Each model is an ordinary zoo model (registered under hBayesDM's name), so that a fit
here compares one to one with hBayesDM's. Bounded parameters use Stan's
``Phi_approx`` transform, positive ones ``exp``, as hBayesDM does; ``hierarchical_priors``
lists the group-level priors that differ from :data:`DEFAULT_HIERARCHY`.

Reference: Ahn WY, Haines N, Zhang L (2017). Revealing neurocomputational mechanisms of
reinforcement learning and decision-making with the hBayesDM package. Computational
Psychiatry 1:24-57.

Example:
    >>> from cognax.models.hbayesdm import GoNoGoM3
    >>> GoNoGoM3.hierarchy()["b"]
    ('normal', (0.0, 10.0), 'halfcauchy', (1.0,))
"""

from cognax.models.hbayesdm._base import DEFAULT_HIERARCHY, WIDE_HIERARCHY, HBayesDMModel, Hierarchy
from cognax.models.hbayesdm.bandit import Bandit2ArmDelta
from cognax.models.hbayesdm.gng import GoNoGoM1, GoNoGoM2, GoNoGoM3, GoNoGoM4
from cognax.models.hbayesdm.prl import PRLFictitious, PRLRewardPunishment
from cognax.models.hbayesdm.two_step import TwoStepPar4, TwoStepPar6, TwoStepPar7

#: registry id -> class, in hBayesDM's naming.
MODELS: dict[str, type[HBayesDMModel]] = {
    cls.name: cls
    for cls in (
        Bandit2ArmDelta, PRLRewardPunishment, PRLFictitious, GoNoGoM1, GoNoGoM2, GoNoGoM3, GoNoGoM4,
        TwoStepPar4, TwoStepPar6, TwoStepPar7,
    )
}

__all__ = [
    "HBayesDMModel", "Hierarchy", "DEFAULT_HIERARCHY", "WIDE_HIERARCHY", "MODELS", "Bandit2ArmDelta",
    "PRLRewardPunishment", "PRLFictitious", "GoNoGoM1", "GoNoGoM2", "GoNoGoM3", "GoNoGoM4",
    "TwoStepPar4", "TwoStepPar6", "TwoStepPar7",
]
