"""What training is made of, below ``micrograd.train`` (which runs it): ``engines.py``, the three engines a run can
train on as values of one interface, and ``outputs.py``, the files a run leaves behind.

Layers only look down: ``micrograd.losses``, ``micrograd.data`` and ``micrograd.activations`` (the tables) and the
engines' own modules are below this package; ``micrograd.train``, the CLI and the playground above it.
"""
