"""The campaign, in modules of one job each (:mod:`backbeat_fuzz.harness` is its public face).

- :mod:`.config`: the config, the units of work, the progress counters;
- :mod:`.planning`: which units a config selects, their budgets, seeds and shards;
- :mod:`.observations`: one wrong verdict, one finding while it grows, the report's records;
- :mod:`.exploration`: one Hypothesis run over one unit;
- :mod:`.runner`: :class:`~.runner.Runner`, one campaign while it runs (send, judge, record);
- :mod:`.run`: the entry points, :func:`~.run.run_campaign` and :func:`~.run.run_cell`, over
  one shared execution path.
"""

__all__: list[str] = []
