"""When you outgrow micrograd: models to and from PyTorch, and out to ONNX.

``to_torch``/``from_torch`` (``pytorch.py``) convert an MLP of either engine to a ``torch.nn.Sequential`` and back,
exactly; ``to_onnx`` (``onnx_format.py``) writes an ONNX model for any ONNX runtime. PyTorch and onnx are optional
dependencies, imported only when these are called.
"""

from micrograd.interop.onnx_format import to_onnx
from micrograd.interop.pytorch import from_torch, to_torch, to_torch_file

__all__ = ["from_torch", "to_onnx", "to_torch", "to_torch_file"]
