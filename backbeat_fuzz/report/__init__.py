"""Campaign reports: what was run and what was found, as JSON, JUnit XML, SARIF or a text summary.

A :class:`CampaignReport` holds the counts per message kind and direction (valid messages sent,
invalid ones sent) and one :class:`Finding` per bug (:mod:`.model`). The writers are atomic (a
reader never sees half a report) and each reads only the report, so they agree with each other:

- :func:`write_json`: everything, machine-readable (:mod:`.jsonfile`, read back by
  :func:`read_json`);
- :func:`write_junit`: one testcase per kind and direction, one per finding, for CI test views
  (:mod:`.junit`);
- :func:`write_sarif`: SARIF 2.1.0, one result per finding, for code-scanning views
  (:mod:`.sarif`);
- :func:`render_summary`: the plain-text table and findings a person reads in a terminal
  (:mod:`.text`).

:func:`merge_reports` (:mod:`.merge`) makes one report of a campaign's shards, and
:func:`check_shards` checks that they are every shard once.
"""

from __future__ import annotations

from .jsonfile import REPORT_SCHEMA, read_json, write_json
from .junit import write_junit
from .merge import check_shards, merge_reports
from .model import DIRECTIONS, REPORT_FORMAT, CampaignReport, Finding
from .sarif import SARIF_SCHEMA, sarif_document, write_sarif
from .text import render_summary, replay_command

__all__ = [
    "DIRECTIONS",
    "REPORT_FORMAT",
    "REPORT_SCHEMA",
    "SARIF_SCHEMA",
    "CampaignReport",
    "Finding",
    "check_shards",
    "merge_reports",
    "read_json",
    "render_summary",
    "replay_command",
    "sarif_document",
    "write_json",
    "write_junit",
    "write_sarif",
]
