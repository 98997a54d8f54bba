"""The command line's own argparse: number types, one-line errors that name the option, and a guess at what a
misspelt word meant."""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn


def _expected(what: str, text: str) -> NoReturn:
    raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")


def _number(kind: Callable[[str], Any], what: str, ok: Callable[[Any], bool] = lambda v: True) -> Callable[[str], Any]:
    """An argparse type: ``kind(text)`` (int or float) that ``ok`` accepts, else "expected <what>, got <text>"."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            _expected(what, text)
        if not ok(value):
            _expected(what, text)
        return value

    return parse


_integer = _number(int, "a whole number")
_positive_int = _number(int, "a whole number >= 1", lambda v: v >= 1)
_count = _number(int, "a whole number >= 0", lambda v: v >= 0)
_non_negative_float = _number(float, "a finite number >= 0", lambda v: 0 <= v < float("inf"))
_fraction = _number(float, "a number from 0 up to (not including) 1", lambda v: 0 <= v < 1)
_port = _number(int, "a port number from 1 to 65535", lambda v: 1 <= v <= 65535)


def _sizes(text: str) -> list[int]:
    """'16,16' -> [16, 16]; a trailing comma is allowed, no size at all is not."""
    parts = [part.strip() for part in text.split(",")]
    if parts and not parts[-1]:
        parts.pop()
    try:
        sizes = [int(part) for part in parts]
    except ValueError:
        _expected("comma-separated layer sizes such as 16,16", text)
    if not sizes or any(n < 1 for n in sizes):
        _expected("comma-separated layer sizes >= 1 such as 16,16 (at least one hidden layer)", text)
    return sizes


def _numbers(text: str) -> list[float]:
    """'0.5,-1.2' -> [0.5, -1.2]: finite numbers, separated by commas."""
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        _expected("finite numbers separated by commas, such as 0.5,-1.2", text)
    if not all(abs(v) < float("inf") for v in values):
        _expected("finite numbers separated by commas, such as 0.5,-1.2", text)
    return values


def _os_error(err: OSError) -> str:
    """'PATH: what went wrong' for an OSError (the destination of a failed rename, if there is one)."""
    name = err.filename2 if getattr(err, "filename2", None) is not None else err.filename
    text = err.strerror or str(err)
    return f"{name}: {text}" if name is not None else text


def _fail(parser: argparse.ArgumentParser, message: str) -> int:
    """Say what went wrong after the command line was accepted (no usage text): 'micrograd train: error: ...'."""
    print(f"{parser.prog}: error: {message}", file=sys.stderr)
    return 2


class Parser(argparse.ArgumentParser):
    """argparse, with errors in one line that name the option, and a guess at what a misspelt word meant."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {_clearer(message)}\n")


#: Words other tools use for our options: `micrograd train --epochs 5` suggests --steps.
SYNONYMS = {
    "--epochs": "--steps",
    "--iterations": "--steps",
    "--iters": "--steps",
    "--learning-rate": "--lr",
    "--weight-decay": "--l2",
    "--layers": "--hidden",
    "--hidden-sizes": "--hidden",
    "--output-dir": "--out",
    "--batch": "--batch-size",
}


def _suggest(word: str, choices: Sequence[str]) -> str | None:
    """The choice ``word`` was most likely meant to be, if one is close enough."""
    if SYNONYMS.get(word) in choices:
        return SYNONYMS[word]
    names = {choice.lstrip("-"): choice for choice in choices}  # "--steps" and "--help" differ more than 60%
    close = difflib.get_close_matches(word.lstrip("-"), names, n=1, cutoff=0.7)
    return names[close[0]] if close else None


def _clearer(message: str) -> str:
    """argparse's message, shorter and with a suggestion: "--lr: expected ..." (not "argument --lr: ..."),
    "unknown command 'trian' (...); did you mean 'train'?"."""
    found = re.fullmatch(r"argument (\S+): (.*)", message, re.DOTALL)
    name, detail = (found.group(1), found.group(2)) if found else (None, message)
    choice = re.fullmatch(r"invalid choice: '(.*)' \(choose from (.*)\)", detail, re.DOTALL)
    if choice:
        given, choices = choice.group(1), re.findall(r"'([^']*)'", choice.group(2))
        guess = _suggest(given, choices)
        options = ", ".join(choices)
        detail = f"invalid choice: {given!r} (choose from {options})" + (f"; did you mean {guess}?" if guess else "")
        if name == "<command>":
            return detail.replace("invalid choice:", "unknown command", 1)
    if detail == "expected one argument":
        detail = "expected a value"
        if name == "--input":  # argparse takes "-1,2" for an option: such a value must follow "="
            detail += " (one that starts with '-' goes after '=': --input=-1,2)"
    return f"{name}: {detail}" if name else detail


def _unrecognized(parser: argparse.ArgumentParser, extras: list[str], subparsers: dict[str, Parser]) -> NoReturn:
    """Refuse words the command does not know, suggesting the option a misspelt one was meant to be."""
    message = f"unrecognized argument{'s' * (len(extras) > 1)}: {' '.join(extras)}"
    flag = next((word.split("=", 1)[0] for word in extras if word.startswith("--")), None)
    if flag is not None:
        known = [o for action in parser._actions for o in action.option_strings if o.startswith("--")]
        guess = _suggest(flag, known)
        elsewhere = [name for name, other in subparsers.items() if other is not parser and flag in
                     [o for action in other._actions for o in action.option_strings]]  # fmt: skip
        if guess:
            message += f"; did you mean {guess}?"
        elif elsewhere:
            message += f"; {flag} is an option of micrograd {' and micrograd '.join(elsewhere)}"
    parser.error(f"{message} ({parser.prog} --help lists its options)")


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, Parser]:
    """Each command's parser, by name."""
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)
