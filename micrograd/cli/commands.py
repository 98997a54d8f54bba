"""The other commands: `micrograd graph`, `export`, `playground` and `demo`."""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
from pathlib import Path
from typing import Any

from micrograd.cli.args import _os_error
from micrograd.files import write_atomically
from micrograd.lecture import lecture_mlp, readme_example


def demo(args: argparse.Namespace) -> int:
    g, a, b = readme_example()
    print(f"README example: g = {g.data:.4f}, dg/da = {a.grad:.4f}, dg/db = {b.grad:.4f}")
    losses = lecture_mlp(steps=args.steps)
    print(f"lecture MLP(3, [4, 4, 1]), {len(losses)} steps of gradient descent on MSE:")
    for i, loss in enumerate(losses):
        print(f"  step {i:3d}  loss {loss:.6f}")
    return 0


def _check_port_free(host: str, port: int) -> str | None:
    """None if ``host``:``port`` can be listened on now, else why not (the server would fail after starting)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as err:
        return f"cannot listen on {host}: {getattr(err, 'strerror', None) or err}"
    family, kind, proto, _, address = infos[0]
    try:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
            probe.bind(address)
    except OSError as err:
        return f"cannot listen on {host} port {port}: {err.strerror or err} (choose another with --port)"
    return None


def playground_command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    problem = _check_port_free(args.host or "127.0.0.1", args.port)
    if problem:
        parser.error(problem)
    from micrograd.playground import serve

    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C is how one stops it
        serve(args.host, args.port, open_browser=not args.no_browser)
    return 0


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _load_model(path: str, parser: argparse.ArgumentParser) -> Any:
    """The model saved at ``path`` (micrograd.nn.load), or the command's one-line error naming what is wrong."""
    from micrograd.nn import load

    try:
        return load(path)
    except OSError as err:
        parser.error(_os_error(err))
    except ValueError as err:
        parser.error(str(err))


def export_command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from micrograd import interop

    model = _load_model(args.model, parser)
    out = Path(args.out or Path(args.model).with_suffix(".onnx" if args.to == "onnx" else ".pt2"))
    if _same_file(out, Path(args.model)):
        parser.error(f"--out {out} is the model file itself: exporting would overwrite it; choose another --out")
    try:
        if args.to == "onnx":
            interop.to_onnx(model, out)
            how = f"onnxruntime.InferenceSession(path).run(None, {{'x': X}})  (X: float64, shape (batch, {model.nin}))"
        else:
            interop.to_torch_file(model, out)
            how = f"torch.export.load(path).module()(X)  (X: float64 tensor, shape (batch, {model.nin}))"
    except ImportError as err:
        parser.error(str(err))
    except OSError as err:
        parser.error(f"cannot write --out {_os_error(err)}")
    print(f"wrote {out}: {model}\nuse it with {how}")
    return 0


GRAPH_EXAMPLES = {
    "neuron": "the lecture's 2-input tanh neuron (o = 0.7071)",
    "readme": "the README expression (g = 24.7041)",
    "mlp": "the squared error of a tiny tanh MLP(2, [2, 1]) on one point",
}
#: The most Values `micrograd graph` draws unless --max-nodes says otherwise (as draw_dot's max_nodes).
GRAPH_MAX_NODES = 500


def _model_graph(args: argparse.Namespace, parser: argparse.ArgumentParser) -> tuple[list[Any], str]:
    """The graph of a saved model on one input, after backward from one output: (its outputs, what it shows)."""
    from micrograd.engine import Value

    if args.example is not None:
        parser.error(f"give a model file or --example {args.example}, not both")
    model = _load_model(args.model, parser)
    example = ",".join(["0.5"] * model.nin) if model.nin <= 8 else f"x0,x1,...,x{model.nin - 1}"
    if args.input is None:
        parser.error(f"--input is needed with a model: the {model.nin} numbers to feed it, e.g. --input {example}")
    if len(args.input) != model.nin:
        parser.error(f"--input: {args.model} takes {model.nin} inputs, got {len(args.input)}")
    nout = model.nouts[-1]
    if args.output is not None and args.output >= nout:
        parser.error(f"--output: {args.model} has {nout} output{'s' * (nout > 1)} (0 to {nout - 1}), no {args.output}")
    for i, layer in enumerate(model.layers):  # name every weight: layer i, neuron j, input k
        for j, neuron in enumerate(layer.neurons):
            neuron.fused = not args.unfused
            for k, w in enumerate(neuron.w):
                w.label = f"L{i}.n{j}.w{k}"
            neuron.b.label = f"L{i}.n{j}.b"
    x = [Value(v, label=f"x[{i}]") for i, v in enumerate(args.input)]
    outs = model(x)
    outs = outs if isinstance(outs, list) else [outs]
    for k, out in enumerate(outs):
        out.label = f"out[{k}]"
    k = args.output if args.output is not None else max(range(nout), key=lambda i: outs[i].data)
    outs[k].backward()
    inputs = ", ".join(f"{v:g}" for v in args.input)
    return outs, f"{model} at x = [{inputs}]; out[{k}] = {outs[k].data:.4f}; grads are d out[{k}] / d value"


def graph_command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from micrograd.lecture import neuron, readme_example, tiny_mlp_loss
    from micrograd.viz import draw_dot, trace

    if args.model is not None:
        roots, what = _model_graph(args, parser)
    else:
        for flag, value in (("--input", args.input), ("--output", args.output)):
            if value is not None:
                parser.error(f"{flag} is for a model file (micrograd graph model.json {flag} ...), not an --example")
        example = args.example or "neuron"
        if example == "neuron":
            roots = [neuron()[0]]
        elif example == "readme":
            roots = [readme_example()[0]]
        else:
            roots = [tiny_mlp_loss(fused=not args.unfused)[0]]
        what = GRAPH_EXAMPLES[example]
    count = len(trace(roots)[0])
    if count > args.max_nodes:
        parser.error(f"the graph has {count:,} values, more than --max-nodes {args.max_nodes}: too many to read or "
                     "lay out quickly (raise --max-nodes to draw it anyway)")  # fmt: skip
    out = Path(args.out)
    fmt = args.format or out.suffix.lstrip(".") or "svg"
    try:
        dot = draw_dot(roots, format=fmt, rankdir=args.rankdir, show_grad=not args.no_grad, highlight=args.highlight,
                       max_nodes=None)  # fmt: skip
        write_atomically(out, dot.pipe(format=fmt))
    except (ValueError, RuntimeError) as e:
        parser.error(str(e))
    except OSError as e:
        parser.error(f"cannot write --out {_os_error(e)}")
    print(f"wrote {out}: {what}, {count} values")
    return 0
