"""Code generation: derivation → loop/array IR → Numba and NumPy source.

The stages, one module each: :mod:`.lower` (derivation → :mod:`.ir`, the
last use of SymPy besides :mod:`.printer`), with the Numba schedules it may
choose in :mod:`.window` (a window packed once, reused across output maps)
and :mod:`.pack` (a window target accumulated flat), and the in-place ufunc
chains of elementwise terms in :mod:`.ufuncs`; :mod:`.vectorize` (IR →
strided views and BLAS products for NumPy), :mod:`.render` (IR → source
through the Jinja templates in ``templates/``) and :mod:`.generate`
(:func:`~.generate.render_layer`, the one road from a derivation to module
text, and the atomic write of a folder). :mod:`.checks` holds the
numerical checks the tests run on generated modules.
"""

from .generate import assemble, render_layer, write_tree

__all__ = ["assemble", "render_layer", "write_tree"]
