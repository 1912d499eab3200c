"""Consumers the harness and CLI tests fuzz, imported by the target worker (not by pytest).

The tests put this package's parent folder on ``PYTHONPATH`` and name a consumer as
``consumers.<module>:<function>``. Each module says which verdicts are right and which bugs are
planted on purpose.
"""
