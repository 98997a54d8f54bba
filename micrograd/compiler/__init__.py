"""Compile a scalar graph once, replay it at array speed: ``micrograd.compile``.

``trace.py`` runs the function once on Values and sorts the leaves of what it built into inputs, constants and
parameters; ``program.py`` turns that graph into levels of NumPy operations and replays them forward and backward
with the ops' own rules; ``function.py`` is the callable users get, with its cache and checks.
"""

from micrograd.compiler.function import CompiledFunction, CompileError, TraceWarning, compile

__all__ = ["CompileError", "CompiledFunction", "TraceWarning", "compile"]
