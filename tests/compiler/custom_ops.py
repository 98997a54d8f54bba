"""Custom ops that test how micrograd.compile treats ops it does not know (shared by test_exact and test_fuzz)."""

from __future__ import annotations

from micrograd import Op


class Clip(Op):
    """An ``if`` in forward and backward: numbers only."""

    name = "clip"

    def forward(self, x):
        return x if x > 0 else 0.1 * x

    def backward(self, g, out, x):
        return (g if x > 0 else 0.1 * g,)


class PlusTwo(Op):
    """A custom op named "+" that is not addition: x + 2y."""

    name = "+"

    def forward(self, x, y):
        return x + 2 * y

    def backward(self, g, out, x, y):
        return g, 2 * g


class Stubborn(Op):
    """A rule that gives a gradient even where none arrives: it shows whether a rule runs where eagerly it does."""

    name = "stubborn"

    def forward(self, x):
        return x * x

    def backward(self, g, out, x):
        return (2 * x * g + (1.0 if g == 0 else 0.0),)


class TooFew(Op):
    """A rule with one gradient for two inputs: eagerly a TypeError in backward."""

    name = "toofew"

    def forward(self, x, y):
        return x * y

    def backward(self, g, out, x, y):
        return (g * y,)


class Fragile(Op):
    """A forward that raises above 10 (eagerly a DomainError, or NaN for a NaN input)."""

    name = "fragile"

    def forward(self, x):
        if x > 10:
            raise ValueError("fragile above 10")
        return x / 2 + 1

    def backward(self, g, out, x):
        return (g / 2,)
