"""The ``micrograd`` command: ``build_parser`` lays out the commands and their options, ``main`` runs one.

``args.py`` is the argparse underneath (number types, one-line errors, suggestions); ``training.py`` is
`micrograd train`, its choices read from the tables; ``commands.py`` the other commands.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence

from micrograd.cli.args import (  # noqa: F401 - part of this module's API
    Parser,
    _count,
    _number,
    _numbers,
    _port,
    _positive_int,
    _sizes,
    _subparsers,
    _unrecognized,
)
from micrograd.cli.commands import (
    GRAPH_EXAMPLES,
    GRAPH_MAX_NODES,
    demo,
    export_command,
    graph_command,
    playground_command,
)
from micrograd.cli.training import add_train_parser

COMMANDS_EPILOG = "'micrograd <command> --help' shows a command's options."


def build_parser() -> Parser:
    parser = Parser(
        prog="micrograd",
        description="A tiny autograd engine: train and explore.",
        epilog=COMMANDS_EPILOG,
        formatter_class=lambda prog: argparse.HelpFormatter(prog, max_help_position=26),
    )
    sub = parser.add_subparsers(dest="command", title="commands", metavar="<command>")
    parser.usage = "micrograd <command> [options]"  # after add_subparsers, which names each command's parser from it
    add_train_parser(sub)
    g = sub.add_parser(
        "graph",
        help="draw a computation graph (a small example, or a saved model on one input) to an SVG file",
        description="Draw a computation graph after backward, so every value shows its data and grad: one of three "
        "small examples, or a model saved by 'micrograd train' on the input you give, e.g. "
        "'micrograd graph runs/<time>-moons/model.json --input 0.5,-1.2'. "
        "Works without the Graphviz system package (see README, 'Seeing the graph').",
    )
    g.add_argument("model", nargs="?", help="a saved model (model.json) to draw, instead of an example")
    g.add_argument("--input", type=_numbers, metavar="X0,X1,...",
                   help="with a model: its input, numbers separated by commas "
                   "(first one negative: --input=-1,2)")  # fmt: skip
    g.add_argument("--output", type=_count, metavar="K", help="with a model: the output to backpropagate from "
                   "(default: the largest, which is the predicted class of a softmax model)")  # fmt: skip
    g.add_argument("--example", choices=GRAPH_EXAMPLES, help="without a model (default neuron): " + "; ".join(
        f"{k}: {v}" for k, v in GRAPH_EXAMPLES.items()))  # fmt: skip
    g.add_argument("--out", default="graph.svg", metavar="FILE", help="file to write (default graph.svg)")
    g.add_argument("--format", help="output format (default: from --out's suffix; svg works everywhere)")
    g.add_argument("--rankdir", choices=["LR", "TB"], default="LR", help="left to right (default) or top to bottom")
    g.add_argument("--no-grad", dest="no_grad", action="store_true", help="show data only")
    g.add_argument("--highlight", type=_count, default=0, metavar="K",
                   help="fill the K values with the largest |grad|")  # fmt: skip
    g.add_argument("--unfused", action="store_true", help="draw each neuron as the lecture's * and + nodes "
                   "(mlp example, or a model)")  # fmt: skip
    g.add_argument("--max-nodes", dest="max_nodes", type=_positive_int, default=GRAPH_MAX_NODES, metavar="N",
                   help=f"refuse graphs of more values than this (default {GRAPH_MAX_NODES})")  # fmt: skip
    g.set_defaults(func=lambda args: graph_command(args, g))
    ex = sub.add_parser(
        "export",
        help="export a saved model (model.json) to PyTorch or ONNX",
        description="Export a model saved by 'micrograd train' (model.json) for PyTorch (a torch.export program, "
        ".pt2, loaded with torch.export.load) or for any ONNX runtime (.onnx, float64).",
    )
    ex.add_argument("model", help="the model file, e.g. runs/<time>-moons/model.json")
    ex.add_argument("--to", choices=["torch", "onnx"], required=True)
    ex.add_argument("--out", metavar="FILE", help="file to write (default: beside the model, .pt2 or .onnx)")
    ex.set_defaults(func=lambda args: export_command(args, ex))
    pg = sub.add_parser(
        "playground",
        help="train in the browser and watch backprop happen live",
        description="Start the playground, a local web app, and open it in the browser. It listens on 127.0.0.1 "
        "(this machine only) unless --host is given.",
    )
    pg.add_argument("--port", type=_port, default=8000, help="port to listen on (default 8000)")
    pg.add_argument("--host", help="address to listen on (default 127.0.0.1; anything else is reachable by others)")
    pg.add_argument("--no-browser", dest="no_browser", action="store_true", help="do not open a browser")
    pg.set_defaults(func=lambda args: playground_command(args, pg))
    p = sub.add_parser(
        "demo",
        help="run the README example and train the lecture's tiny MLP",
        description="Print the README example's value and gradients (g = 24.7041, dg/da = 138.8338, dg/db = "
        "645.5773), then train the lecture's MLP(3, [4, 4, 1]) with tanh on its four examples by plain gradient "
        "descent on the squared error, printing the loss at every step. Nothing is written to disk.",
    )
    p.add_argument("--steps", type=_positive_int, default=20, metavar="N", help="gradient-descent steps (default 20)")
    p.set_defaults(func=demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    if args.command is None:  # bare `micrograd`: what there is to do, and exit 2 as for any missing argument
        parser.print_help(sys.stderr)
        parser.exit(2, f"{parser.prog}: error: give a command (one of the above)\n")
    if extras:
        subparsers = _subparsers(parser)
        _unrecognized(subparsers[args.command], extras, subparsers)
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # here, not at exit, so that a closed pipe is caught below
        return code
    except BrokenPipeError:  # `micrograd demo | head`: the reader has gone; stop quietly, as `yes | head` does
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # so that the interpreter's last flush does not complain either
        return 128 + 13  # the status of a process ended by SIGPIPE
    except KeyboardInterrupt:
        print(f"\n{build_parser().prog}: interrupted", file=sys.stderr)
        return 128 + 2  # the status of a process ended by SIGINT
