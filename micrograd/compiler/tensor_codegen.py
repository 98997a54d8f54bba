"""The replay of a traced Tensor program as straight-line Python, written once per program.

``generate(program)`` writes two functions, ``forward(leaves, externals, ops)`` and ``backward(v, ops, seed)``,
one line per op, slots as local variables, and compiles them with ``compile()``: the source is ours, made from
the op table below and numbers (slot and step indices, shapes); the functions, ops and dtypes it uses are
passed in by name, never written into the source. ``program.source`` keeps the text (``step.program.source``).

What makes it cheaper than the ops' own calls, with the same numbers to the bit:

- the commonest ops are written inline (``v5 = v3 + v4``, ``g3 = matmul(g5, v2.T)``): no ``Op.__call__``
  dispatch, no rule function per op, no lookups; each inline form is the NumPy expression the op's own
  ``forward_array`` or ``backward`` evaluates on arrays (``INLINE_FORWARD``, ``INLINE_BACKWARD``; a test runs
  every entry against the op's own rule and compares bytes, so they cannot drift apart);
- a ReLU keeps its mask (``x <= 0``) from the forward pass for its backward (the same comparison, made once);
- a product or matmul whose input takes no gradient skips that half; ``x * x`` computes ``g * x`` once;
- the first gradient reaching a slot is written, later ones added (``old + new``, in eager's order);
- a gradient already of its input's dtype and shape is taken as is; otherwise the steps ``autograd.fit`` would
  take (cast, broadcast or sum over the broadcast axes) are written out, decided once from the shapes (or, where
  shapes change from call to call, ``fit`` decides on each call);
- sums are the ufunc's own ``np.add.reduce`` (what ``ndarray.sum`` calls through a Python function), a broadcast
  makes no op object;
- the result's ``backward()`` calls the program's backward once, without walking a graph (``Op._fitted_gradients``).

Every other op (a custom op, or a built-in one not in the tables) runs its own ``forward_array`` and
``backward``, as the eager engine does.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from micrograd import ops
from micrograd.tensor import array_ops as A

if TYPE_CHECKING:
    from micrograd.compiler.tensors import TensorProgram

# ------------------------------------------------------------------------------------------- the op table
# Each entry gives, for the op (its name in the source: ``o``) and its operands' names, the expression its own
# rule evaluates on NumPy arrays. Forward: ``ops.Add.forward`` is ``x + y``; ``ops.ReLU.forward_array`` is
# ``where(x <= 0, 0.0, x)`` (the mask is kept as ``m<slot>``); ``A.Sum.forward`` is ``x.sum(axis, keepdims)``, which
# is ``np.add.reduce`` (written as the ufunc's own call: ``ndarray.sum`` reaches it through a Python function)...
# Backward: one expression per input (None where that input takes no gradient), the rule's own arithmetic, with
# the ops it calls (``BroadcastTo``, ``Reshape``, ``MATMUL``, ``EXP``) replaced by the NumPy call each makes.

Names = list[str]

INLINE_FORWARD: dict[type, Callable[[str, Names], str]] = {
    ops.Add: lambda o, x: f"{x[0]} + {x[1]}",
    ops.Sub: lambda o, x: f"{x[0]} - {x[1]}",
    ops.Mul: lambda o, x: f"{x[0]} * {x[1]}",
    ops.Div: lambda o, x: f"{x[0]} / {x[1]}",
    ops.Neg: lambda o, x: f"-{x[0]}",
    ops.Tanh: lambda o, x: f"tanh({x[0]})",
    ops.Exp: lambda o, x: f"exp({x[0]})",
    ops.PowConst: lambda o, x: f"{x[0]} ** {o}.n",
    A.MatMul: lambda o, x: f"matmul({x[0]}, {x[1]})",
    A.Sum: lambda o, x: f"add_reduce({x[0]}, axis={o}.axis, keepdims={o}.keepdims)",
    A.Reshape: lambda o, x: f"{x[0]}.reshape({o}.shape)",
    A.GetItem: lambda o, x: f"{x[0]}[{o}.index]",
}


def _swapped(x: str, ndim: int) -> str:
    """``swap_last(x)`` (the transpose of the last two axes): ``x.T`` for a matrix."""
    return f"{x}.T" if ndim == 2 else f"swap({x})"


def _kept(op: Any, g: str, x: str) -> str:
    """``array_ops._kept``: a reduction's gradient with the reduced axes put back as 1s."""
    return g if op.keepdims or op.axis is None else f"{g}.reshape(keep_shape({x}.shape, {op.axis!r}))"


# backward entries: (op, o, g, out, xs, ndims, needed) -> one expression per input (None: no gradient)
INLINE_BACKWARD: dict[type, Callable[..., list[str | None]]] = {
    ops.Add: lambda op, o, g, out, x, nd, need: [g, g],
    ops.Sub: lambda op, o, g, out, x, nd, need: [g, f"-{g}"],
    ops.Mul: lambda op, o, g, out, x, nd, need: [f"{g} * {x[1]}", f"{g} * {x[0]}"],
    ops.Div: lambda op, o, g, out, x, nd, need: [f"{g} / {x[1]}", f"-{g} * ({out} / {x[1]})"],
    ops.Neg: lambda op, o, g, out, x, nd, need: [f"-{g}"],
    ops.Tanh: lambda op, o, g, out, x, nd, need: [f"{g} * ((1 - {out}) * (1 + {out}))"],
    ops.Exp: lambda op, o, g, out, x, nd, need: [f"{g} * {out}"],
    A.MatMul: lambda op, o, g, out, x, nd, need: [
        f"matmul({g}, {_swapped(x[1], nd[1])})",
        f"matmul({_swapped(x[0], nd[0])}, {g})",
    ],
    A.Sum: lambda op, o, g, out, x, nd, need: [f"broadcast({_kept(op, g, x[0])}, {x[0]}.shape)"],
    A.Mean: lambda op, o, g, out, x, nd, need: [  # (g / n, then spread: the same products, fewer of them)
        f"broadcast({_kept(op, g, x[0])} * inverse_count({x[0]}.size, {out}.size), {x[0]}.shape)"
    ],
    A.Reshape: lambda op, o, g, out, x, nd, need: [f"{g}.reshape({x[0]}.shape)"],
    A.LogSoftmax: lambda op, o, g, out, x, nd, need: [
        f"{g} - exp({out}) * add_reduce({g}, axis={None if op.axis is None else (op.axis,)!r}, keepdims=True)"
    ],
    A.GetItem: lambda op, o, g, out, x, nd, need: [f"scatter_add({o}.index, {x[0]}.shape, {g})"],
}


def _inverse_count(size: int, out_size: int) -> float:
    """``A.Mean.backward``'s factor: 1/n, n the elements averaged for each result (NaN over none)."""
    n = size // max(out_size, 1) if size else 0
    return 1.0 / n if n else math.nan


def _scatter_add(index: Any, shape: tuple[int, ...], g: Any) -> np.ndarray:
    return A.ScatterAdd(index, shape).forward(g)


def _swap(x: np.ndarray) -> np.ndarray:
    n = x.ndim
    return A.Transpose((*range(n - 2), n - 1, n - 2)).forward(x)  # array_ops.swap_last


Step = tuple[Any, ...]


@functools.lru_cache(maxsize=1024)
def _fitter(g_dtype: np.dtype, g_shape: tuple[int, ...], dtype: np.dtype, shape: tuple[int, ...]) -> tuple[Step, ...]:
    """How ``autograd.fit`` makes a gradient of this dtype and shape its input's own, in its order: ``("cast",)``
    (``Cast``), then ``("broadcast",)`` to spread a number (``BroadcastTo``) or ``("sum", axes, ndim)`` over the
    axes broadcasting added (``SumTo``; ``ndim``: the gradient's); decided once per shape."""
    steps: list[Step] = []
    if g_dtype != dtype:
        steps.append(("cast",))
    if g_shape != shape:
        if np.broadcast_shapes(g_shape, shape) == shape:
            steps.append(("broadcast",))
        else:
            steps.append(("sum", A.sum_axes(g_shape, shape), len(g_shape)))
    return tuple(steps)


def _fit_source(expr: str, steps: tuple[Step, ...], dtype: str, shape: tuple[int, ...]) -> str:
    """``expr`` with ``fit``'s steps written out, as the NumPy calls the ops' forwards make (``Cast``: astype;
    ``BroadcastTo``: ``broadcast_to``; ``SumTo``: ``sum_to``'s sum and reshape, or the sum alone where it sums
    leading axes only: its result has the shape already, and the same numbers), the axes and shape as numbers."""
    for step in steps:
        if step[0] == "cast":
            expr = f"({expr}).astype({dtype})"
        elif step[0] == "broadcast":
            expr = f"broadcast({expr}, {shape!r})"
        elif shape and step[1] and step[1] == tuple(range(len(step[1]))) and len(step[1]) + len(shape) == step[2]:
            expr = f"add_reduce({expr}, axis={step[1]!r})"  # only leading axes: their sum has the shape already
            # (not to a 0-d shape: a sum over every axis is a NumPy number, and fit's reshape makes an array)
        elif step[1]:
            expr = f"add_reduce({expr}, axis={step[1]!r}, keepdims=True).reshape({shape!r})"
        else:
            expr = f"({expr}).reshape({shape!r})"
    return expr


def _made_as(
    expr: str, namespace: dict[str, Any], dummies: dict[str, Any], g: str, out: int, number: bool
) -> tuple | None:
    """What an inline gradient expression makes (an ndarray or not, its dtype, its shape), found by evaluating it
    once on zeros of the slots' shapes and dtypes (with ``g`` the output's gradient: an array of the output's own,
    or a NumPy number where ``number``: a 0-d gradient that was added up, as 0-d arrays add to a number): NumPy
    decides these from shapes and dtypes alone. None if it cannot be told (then each call checks)."""
    if expr.startswith("local["):
        return None  # an op's own rule: it may give a number or an array, depending on the values
    zero = dummies[f"v{out}"]
    env = {**dummies, g: zero[()] if number else np.asarray(zero)}
    try:
        with np.errstate(all="ignore"):
            r = eval(expr, namespace, env)  # our own expression, on zeros
    except Exception:
        return None
    if type(r) is np.ndarray:
        return (True, r.dtype, r.shape)
    return (False, np.result_type(r), np.shape(r))


def fit(f: tuple[np.dtype, tuple[int, ...]], g: Any) -> np.ndarray:
    """``autograd.fit`` for an input that requires grad (``f``: its dtype and shape), on arrays: the same
    numbers, with the array ops' forwards called directly."""
    dtype, shape = f
    if type(g) is not np.ndarray:
        g = np.asarray(g, dtype=dtype)
    for step in _fitter(g.dtype, g.shape, dtype, shape):
        if step[0] == "cast":
            g = A.Cast(dtype).forward(g)
        elif step[0] == "broadcast":
            g = A.broadcast_to(g, shape)
        else:
            g = A.sum_to(g, shape)
    return g


# ------------------------------------------------------------------------------------------- writing it


def names() -> dict[str, Any]:
    """What the generated source may call, by name (the op table's expressions use these)."""
    return {
        "ndarray": np.ndarray,
        "asarray": np.asarray,
        "array": np.array,
        "where": np.where,
        "matmul": np.matmul,
        "vdot": np.vdot,
        "tanh": np.tanh,
        "add_reduce": np.add.reduce,
        "exp": np.exp,
        "swap": _swap,
        "keep_shape": A._keep_shape,
        "broadcast": A.broadcast_to,
        "inverse_count": _inverse_count,
        "scatter_add": _scatter_add,
        "array_forward": A.forward,
        "fit": fit,
    }


def generate(p: TensorProgram) -> tuple[Callable[..., list[Any]], Callable[..., list[Any]], str]:
    """The program's forward and backward as Python functions, and their source."""
    namespace = names()
    namespace.update({f"D{s}": dtype for s, dtype in enumerate(p.dtypes)})
    rebound = {r.step for r in p.rebinds}

    def op_name(k: int) -> str:
        if k in rebound:  # this call's copy of the op, holding this call's array
            return f"ops[{k}]"
        namespace[f"o{k}"] = p.ops[k]
        return f"o{k}"

    masks: dict[int, int] = {}  # ReLU output slot -> the slot of its mask (x <= 0), after the program's slots
    lines = ["def forward(leaves, externals, ops):"]
    lines += [f"    v{s} = leaves[{k}]{'.data' if p.arg_is_tensor[k] else ''}" for s, k in p.args]
    lines += [f"    v{s} = externals[{j}]" for j, (s, _) in enumerate(p.externals)]
    for k, (step, (out, ins)) in enumerate(zip(p.steps, p.plan)):
        xs = [f"v{i}" for i in ins]
        if step[0] == "convert":
            how = "array" if step[4] else "asarray"  # Tensor(x): a copy; detach(), an operand array: the same
            lines.append(f"    v{out} = {how}({xs[0]}, dtype=D{out})")
            continue
        op = step[2]
        kind = type(op)
        if kind is ops.ReLU:
            masks[out] = m = p.n + len(masks)
            lines.append(f"    v{m} = {xs[0]} <= 0")
            lines.append(f"    v{out} = where(v{m}, 0.0, {xs[0]})")
        elif kind is A.SumOfSquares:  # array_ops._squares of each input, added in order
            terms = [f"vdot({x}, {x})" if p.dtypes[i] == np.float64 else f"add_reduce({x} * {x}, axis=None)"
                     for i, x in zip(ins, xs)]  # fmt: skip
            lines.append(f"    v{out} = {' + '.join(terms)}")
        elif kind in INLINE_FORWARD:
            if kind is A.Reshape and not p.fixed_shapes:  # its shape was worked out from the traced input's: an
                # input of another shape (after a mask argument) is another call (two empty arrays would reshape)
                lines.append(f"    if {xs[0]}.shape != {p.shapes[ins[0]]!r}: raise ValueError('another shape')")
            lines.append(f"    v{out} = {INLINE_FORWARD[kind](op_name(k), xs)}")
        elif op.builtin:
            lines.append(f"    v{out} = {op_name(k)}.forward_array({', '.join(xs)})")
        else:
            lines.append(f"    v{out} = array_forward({op_name(k)}, {', '.join(xs)})")
        if not p.shapes[out] or kind not in INLINE_FORWARD:  # NumPy gives 0-d results as scalars
            lines.append(f"    if type(v{out}) is not ndarray: v{out} = asarray(v{out}, dtype=D{out})")
    known = {s for s, _ in p.args} | {s for s, _ in p.externals} | {out for out, _ in p.plan} | set(masks.values())
    width = p.n + len(masks)
    lines.append(f"    return [{', '.join(f'v{s}' if s in known else 'None' for s in range(width))}]")
    lines.append("")

    lines.append("def backward(v, ops, seed):")
    dummies = None
    if p.fixed_shapes:  # every slot's shape is fixed by the signature: what each gradient is made as, known now
        dummies = {"ops": p.ops}
        dummies |= {f"v{s}": np.zeros(shape, dtype) for s, (shape, dtype) in enumerate(zip(p.shapes, p.dtypes))}
        dummies.update({f"v{m}": np.zeros(p.shapes[out], bool) for out, m in masks.items()})
    used = sorted(
        {out for _, out, _, _ in p.backward_plan}
        | {i for _, _, ins, _ in p.backward_plan for i in ins}
        | {masks[out] for k, out, _, _ in p.backward_plan if out in masks}
    )
    lines += [f"    v{s} = v[{s}]" for s in used]
    lines.append(f"    g{p.root} = seed")
    has = {p.root}
    numbers = set()  # 0-d slots whose gradient was added up: a NumPy number (as in autodiff's sums), not an array
    sums = set()  # slots whose gradient is, as last written, a sum (old + new): a new array, held by nothing else
    for k, out, ins, fits in p.backward_plan:
        op = p.ops[k]
        kind = type(op)
        need = tuple(f is not None for f in fits)
        g, xs = f"g{out}", [f"v{i}" for i in ins]
        square = kind is ops.Mul and len(ins) == 2 and ins[0] == ins[1]
        if out not in has:
            continue  # no gradient reaches this op (the backward pass skips it too)
        fitted = False  # whether every gradient the op gives is its input's own dtype and shape (an array if not 0-d)
        if kind is A.SumOfSquares and all(p.dtypes[i] == p.dtypes[out] for i in ins):
            # SumOfSquares.backward's case of one dtype: x * 2g for each input, where 2g is finite; else its own rule
            half = float(A._HALF_MAX.get(p.dtypes[out], 0.0))
            lines.append(f"    if abs(float({g})) <= {half!r}:")
            lines.append(f"        twice = {g} + {g}")
            lines.append(f"        local = ({', '.join(f'{x} * twice' for x in xs)},)")
            lines.append("    else:")
            lines.append(f"        local = {op_name(k)}.backward({g}, v{out}, {', '.join(xs)})")
            exprs, fitted = [f"local[{j}]" for j in range(len(ins))], True
        elif kind is ops.ReLU:
            exprs: list[str | None] = [f"where(v{masks[out]}, 0.0, {g})"]
        elif square:
            lines.append(f"    sq = {g} * {xs[0]}")  # g * y and g * x are the same product: y is x
            exprs = ["sq", "sq"]
        elif kind in INLINE_BACKWARD:
            exprs = INLINE_BACKWARD[kind](op, op_name(k), g, f"v{out}", xs, [len(p.shapes[i]) for i in ins], need)
        else:
            lines.append(f"    local = {op_name(k)}.backward({g}, v{out}, {', '.join(xs)})")
            if not op.builtin:
                lines.append(f"    if type(local) is not tuple or len(local) != {len(ins)}: raise TypeError")
            exprs = [f"local[{j}]" for j in range(len(ins))]
        for i, f, expr in zip(ins, fits, exprs):
            if f is None or expr is None:
                continue
            seen = f"{g} * {xs[0]}" if expr == "sq" else expr
            if fitted and f[1]:  # (on 0-d arrays NumPy's arithmetic gives NumPy numbers: fit makes them arrays)
                known: tuple | None = (True, *f)
            else:
                known = _made_as(seen, namespace, dummies, g, out, out in numbers) if dummies is not None else None
            if known is None:  # decided on each call, as autograd.fit decides (shapes may change: a mask argument)
                lines.append(f"    gx = {expr}")
                check = f"type(gx) is not ndarray or gx.shape != v{i}.shape or gx.dtype != D{i}"
                lines.append(f"    if {check}: gx = fit((D{i}, v{i}.shape), gx)")
            elif known == (True, *f):  # already the input's own dtype and shape
                lines.append(f"    g{i} = g{i} + ({expr})" if i in has else f"    g{i} = {expr}")
                if i in has and not p.shapes[i]:
                    numbers.add(i)
                (sums.add if i in has else sums.discard)(i)
                has.add(i)
                continue
            else:  # the steps autograd.fit takes for this gradient, written out
                if not known[0]:  # a NumPy number: fit makes it an array of the input's dtype first
                    expr, known = f"asarray({expr}, dtype=D{i})", (True, f[0], known[2])
                lines.append(f"    gx = {_fit_source(expr, _fitter(*known[1:], *f), f'D{i}', f[1])}")
            lines.append(f"    g{i} = g{i} + gx" if i in has else f"    g{i} = gx")
            if i in has and not p.shapes[i]:
                numbers.add(i)
            (sums.add if i in has else sums.discard)(i)
            has.add(i)
    lines.append(f"    return [{', '.join(f'g{s}' if s in has else 'None' for s in p.targets)}]")
    p.summed = [s in sums for s in p.targets]
    source = "\n".join(lines)
    exec(compile(source, f"<compiled {p.name}>", "exec"), namespace)  # our own source: numbers and names only
    return namespace["forward"], namespace["backward"], source
