"""micrograd: a tiny, readable reverse-mode autograd engine, and a neural-net library on top."""

from micrograd.autodiff import grad
from micrograd.engine import Value
from micrograd.errors import DomainError
from micrograd.gradcheck import check_grad, numerical_grad
from micrograd.ops import Op
from micrograd.viz import draw_dot

__all__ = ["DomainError", "Op", "Value", "check_grad", "draw_dot", "grad", "numerical_grad"]
__version__ = "0.2.0"
