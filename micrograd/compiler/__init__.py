"""Compile a scalar graph once, replay it at array speed: ``micrograd.compile``.

``trace.py`` runs the function once on Values, sorts the leaves of what it built into inputs, constants and
parameters, and records where Python looked at a value; ``program.py`` turns that graph into levels of NumPy
operations and replays them forward (with ``kernels.py``, which give the eager engine's numbers to the bit) and
backward with the ops' own rules, its weighted sums lowered to one array kernel per layer (``lowering.py``);
``function.py`` is the callable users get, with its cache, its checks, and the hand-over to the eager engine
wherever a replay could differ from it. A call that passes NumPy arrays or Tensors is a function of Tensors:
``tensors.py`` traces it through the Tensor engine and replays its ops on arrays.
"""

from micrograd.compiler.function import CompiledFunction, CompileError, TraceWarning, compile

__all__ = ["CompileError", "CompiledFunction", "TraceWarning", "compile"]
