"""Exact conversions between our MLPs and ``torch.nn.Sequential`` (Linear layers and activation modules)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from micrograd.activations import ACTIVATIONS
from micrograd.interop.layers import build, dense_layers, optional

INSTALL = "pip install torch==2.13.0 (micrograd-lab's 'torch' extra)"


def _modules() -> dict[str, str]:
    """The torch.nn module of each activation that has one (the identity has none), read from the table."""
    return {name: a.torch for name, a in ACTIVATIONS.items() if a.torch is not None}


def to_torch(model: Any, dtype: Any = None) -> Any:
    """A ``torch.nn.Sequential`` computing the same function as ``model`` (float64 unless ``dtype`` says else).

    Linear layers store our weights transposed (PyTorch's (out, in) layout), each followed by its activation
    module (none for 'linear').
    """
    torch = optional("torch", "micrograd.interop.to_torch", INSTALL)
    dtype = torch.float64 if dtype is None else dtype
    modules = []
    for w, b, activation in dense_layers(model):
        linear = torch.nn.Linear(w.shape[0], w.shape[1], dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(w.T)))
            linear.bias.copy_(torch.from_numpy(b))
        modules.append(linear)
        module = ACTIVATIONS[activation].torch
        if module is not None:
            modules.append(getattr(torch.nn, module)())
    return torch.nn.Sequential(*modules)


def from_torch(
    source: Any,
    sizes: Sequence[int] | None = None,
    activation: str = "relu",
    output_activation: str = "linear",
    engine: str = "scalar",
) -> Any:
    """Our MLP from a ``torch.nn.Sequential`` of Linear and activation modules, or from a state_dict.

    For a Sequential the activations are read from its modules. A state_dict (``"0.weight"``, ``"0.bias"``,
    ``"2.weight"``, ...) carries no activations: give ``activation`` (hidden layers) and ``output_activation``;
    ``sizes`` ([nin, hidden..., nout]), if given, is checked against its shapes. ``engine='tensor'`` returns a
    ``micrograd.tensor.nn.MLP``. Weights are copied exactly (as float64).
    """
    torch = optional("torch", "micrograd.interop.from_torch", INSTALL)
    if isinstance(source, torch.nn.Module):
        layers, activation, output_activation = _read_sequential(torch, source)
    elif isinstance(source, Mapping):
        layers = _read_state_dict(source)
    else:
        raise TypeError(f"from_torch takes a torch.nn.Sequential or a state_dict, not {type(source).__name__}")
    if not layers:
        raise ValueError("from_torch: no Linear layers found")
    found = [layers[0][0].shape[0], *(w.shape[1] for w, _ in layers)]
    if sizes is not None and list(sizes) != found:
        raise ValueError(f"from_torch: sizes {list(sizes)} do not match the layers' shapes {found}")
    return build(layers, activation, output_activation, engine)


def _array(t: Any) -> np.ndarray:
    """A tensor's numbers as a float64 array of our own (float32 widens exactly)."""
    return t.detach().cpu().double().numpy().copy()


def _read_sequential(torch: Any, seq: Any) -> tuple[list, str, str]:
    names = {v: k for k, v in _modules().items()}
    layers: list[tuple[np.ndarray, np.ndarray]] = []
    acts: list[str] = []
    for i, module in enumerate(seq.children() if isinstance(seq, torch.nn.Sequential) else [seq]):
        if isinstance(module, torch.nn.Linear):
            if module.bias is None:
                raise ValueError(f"from_torch: module {i} is a Linear layer without bias; micrograd's neurons have one")
            layers.append((_array(module.weight).T.copy(), _array(module.bias)))
            acts.append("linear")
        elif type(module).__name__ in names and layers and acts[-1] == "linear":
            acts[-1] = names[type(module).__name__]
        elif isinstance(module, torch.nn.Identity):
            continue
        else:
            raise ValueError(
                f"from_torch: module {i} ({type(module).__name__}) is not supported: micrograd's MLPs are Linear "
                f"layers, each followed by at most one {', '.join(names)}"
            )
    hidden = set(acts[:-1])
    if len(hidden) > 1:
        raise ValueError(
            f"from_torch: hidden layers use different activations {sorted(hidden)}; micrograd's MLP has one"
        )
    if not layers:
        raise ValueError("from_torch: no Linear layers found")
    return layers, (acts[0] if len(acts) > 1 else "relu"), acts[-1]


def _read_state_dict(state: Mapping[str, Any]) -> list[tuple[np.ndarray, np.ndarray]]:
    prefixes = sorted({k.rsplit(".", 1)[0] for k in state if k.endswith(".weight")},
                      key=lambda p: [int(s) if s.isdigit() else s for s in p.split(".")])  # fmt: skip
    layers = []
    for p in prefixes:
        if f"{p}.bias" not in state:
            raise ValueError(f"from_torch: the state_dict has {p}.weight but no {p}.bias")
        layers.append((_array(state[f"{p}.weight"]).T.copy(), _array(state[f"{p}.bias"])))
    return layers


def to_torch_file(model: Any, path: Any) -> Any:
    """Write ``model`` as a PyTorch program file (``torch.export``, any batch size), atomically.

    ``torch.export.load(path).module()`` gives back a module computing the same function; no micrograd needed.
    """
    import io

    from micrograd.files import write_atomically

    torch = optional("torch", "micrograd.interop.to_torch_file", INSTALL)
    seq = to_torch(model)
    nin = seq[0].in_features
    batch = torch.export.Dim("batch")
    program = torch.export.export(seq, (torch.zeros(2, nin, dtype=torch.float64),), dynamic_shapes=({0: batch},))
    buffer = io.BytesIO()
    torch.export.save(program, buffer)
    write_atomically(path, buffer.getvalue())
    return program
