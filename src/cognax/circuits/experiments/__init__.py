"""The circuits reproductions (``cognax reproduce NAME``): each ``run(out, *, quick, seed)``
writes its figure and tables into ``out`` and returns its checks. Registered in
:mod:`cognax.reproduce._circuits`."""
