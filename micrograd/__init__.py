"""micrograd: a tiny, readable reverse-mode autograd engine, and a neural-net library on top."""

from typing import Any

from micrograd.autodiff import grad
from micrograd.engine import Value
from micrograd.errors import DomainError
from micrograd.gradcheck import check_grad, numerical_grad
from micrograd.ops import Op

__all__ = ["DomainError", "Op", "Tensor", "Value", "check_grad", "compile", "draw_dot", "grad", "numerical_grad"]
__version__ = "0.3.0"


def __getattr__(name: str) -> Any:
    # draw_dot needs graphviz, Tensor and compile need NumPy: import them on first use, so that the scalar engine
    # itself stays standard-library only
    if name == "draw_dot":
        from micrograd.viz import draw_dot

        return draw_dot
    if name == "compile":
        from micrograd.compiler import compile

        return compile
    if name == "Tensor":
        from micrograd.tensor import Tensor

        return Tensor
    raise AttributeError(f"module 'micrograd' has no attribute {name!r}")
