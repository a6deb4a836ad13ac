"""The canonical results of :mod:`cognax.signatures`, one module each, run by ``cognax reproduce``.

Each module has ``run(out, *, quick, seed) -> list[Check]``; they are registered in
:mod:`cognax.reproduce._signatures`.
"""
