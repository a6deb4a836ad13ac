"""Neural signatures: where model quantities meet recorded activity.

Canonical results (temporal-difference errors and dopamine, distributional RL, the
successor representation) and model-to-brain analyses (encoding regressions with
permutation tests and FDR control, representational similarity analysis,
cross-validated decoding). Submodules are imported on use.
"""

from __future__ import annotations

__all__ = ["td", "distributional", "successor", "regression", "rsa", "decoding"]
