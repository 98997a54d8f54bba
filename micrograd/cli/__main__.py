"""``python -m micrograd.cli``: the ``micrograd`` command."""

import sys

from micrograd.cli import main

if __name__ == "__main__":
    sys.exit(main())
