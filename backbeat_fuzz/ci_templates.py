"""The CI snippets' templates, as data: one per file :mod:`.ci_snippets` writes, and the pieces
several of them share (filled in first, so the jobs cannot drift apart).

Placeholders are ``{{name}}`` (no spaces), so GitHub's own ``${{ expression }}`` syntax passes
through untouched; a value of several lines is indented as its placeholder is. The values are
:class:`~.ci_snippets.SnippetOptions`' fields, ``database``, ``corpus``, ``package_choices`` and
the names of :data:`PIECES`.
"""

from __future__ import annotations

__all__ = [
    "GITHUB_ACTIONS",
    "GITHUB_FUZZ",
    "GITLAB_CI",
    "GITLAB_FUZZ",
    "MAKEFILE",
    "PACKAGE_CHOICES",
    "PIECES",
]

#: The comment above every ``BACKBEAT_FUZZ_PACKAGE`` (lines without their ``#``).
PACKAGE_CHOICES = """\
backbeat-fuzz is not on PyPI: BACKBEAT_FUZZ_PACKAGE is what pip installs, either
- a wheel committed to this repository (`make build` in a backbeat-fuzz checkout writes it
  into dist/; copy it to vendor/), or
- a git URL: git+https://github.com/OWNER/backbeat-fuzz@v0.1.0, or
- the name backbeat-fuzz, with PIP_INDEX_URL or PIP_EXTRA_INDEX_URL set to your index."""


GITHUB_ACTIONS = """\
# Validate BACKBEAT messages on every push and pull request.
# Save as .github/workflows/backbeat.yml.
name: Validate BACKBEAT messages

on:
  push:
  pull_request:

env:
  {{package_choices}}
  BACKBEAT_FUZZ_PACKAGE: "{{package}}"

jobs:
  validate-backbeat:
    runs-on: ubuntu-latest
    steps:
      {{github_python}}
      - name: Install backbeat-validate
        run: python -m pip install "$BACKBEAT_FUZZ_PACKAGE"
      - name: Validate BACKBEAT messages
        run: backbeat-validate --dir {{messages}} --exit-code
"""

GITLAB_CI = """\
# Validate BACKBEAT messages in every pipeline. Add this job to .gitlab-ci.yml.
validate-backbeat:
  stage: test
  image: python:{{python}}-slim
  variables:
    {{package_choices}}
    BACKBEAT_FUZZ_PACKAGE: "{{package}}"
  script:
    - python -m pip install "$BACKBEAT_FUZZ_PACKAGE"
    - backbeat-validate --dir {{messages}} --exit-code
"""

MAKEFILE = """\
# Validate BACKBEAT messages: add `include Makefile.backbeat` to your Makefile, then run
# `make validate-backbeat`. Override the variables on the command line if needed.
BACKBEAT_MESSAGES ?= {{messages}}
BACKBEAT_VALIDATE ?= backbeat-validate
BACKBEAT_PIP ?= python3 -m pip
{{package_choices}}
BACKBEAT_FUZZ_PACKAGE ?= {{package}}

.PHONY: validate-backbeat
validate-backbeat:
\t@command -v $(BACKBEAT_VALIDATE) >/dev/null \\
\t\t|| $(BACKBEAT_PIP) install -q "$(BACKBEAT_FUZZ_PACKAGE)"
\t$(BACKBEAT_VALIDATE) --dir $(BACKBEAT_MESSAGES) --exit-code
"""


GITHUB_FUZZ = """\
# Fuzz a BACKBEAT consumer every night (and on demand from the Actions tab); replay the known
# findings on every push. Save as .github/workflows/backbeat-fuzz.yml, set TARGET to your
# consumer (installed by the "Install your service" step, or importable from the repository
# root) and BACKBEAT_FUZZ_PACKAGE to where pip gets backbeat-fuzz. Night by night the Hypothesis
# example database and the corpus are kept in the Actions cache, so every night starts from
# what earlier nights found. Commit the entries of the "new-corpus" artifact to keep them.
name: Fuzz the BACKBEAT consumer

on:
  schedule:
    - cron: "17 3 * * *"  # every night at 03:17 UTC
  workflow_dispatch:
  push:

env:
  TARGET: "{{target}}"
  {{package_choices}}
  BACKBEAT_FUZZ_PACKAGE: "{{package}}"

permissions:
  contents: read

jobs:
  fuzz-backbeat:
    if: github.event_name != 'push'
    runs-on: ubuntu-latest
    timeout-minutes: 45  # --duration stops new messages after 30 minutes; shrinking may add some
    permissions:
      contents: read
      checks: write  # the JUnit report as a check
      security-events: write  # the SARIF report in code scanning
    steps:
      {{github_setup}}
      - name: Restore the example database and corpus
        uses: actions/cache/restore@v4
        with:
          {{github_cache}}
          restore-keys: |
            backbeat-fuzz-
      - name: Mark the start of the night
        run: mkdir -p reports/new-corpus && touch reports/.started
      - name: Fuzz for at most 30 minutes
        run: >-
          {{fuzz_command}}
      - name: Collect the corpus entries written tonight
        if: always()
        run: >-
          {{collect_corpus}}
      - name: Save the example database and corpus
        if: always()
        uses: actions/cache/save@v4
        with:
          {{github_cache}}
      - name: Upload the reports and new corpus entries
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: backbeat-fuzz
          path: reports/
          if-no-files-found: ignore
      - name: Publish the JUnit report
        if: always()
        uses: mikepenz/action-junit-report@v5
        with:
          report_paths: reports/backbeat-fuzz.xml
          check_name: backbeat-fuzz
      - name: Upload the SARIF report to code scanning
        if: always() && hashFiles('reports/backbeat-fuzz.sarif') != ''
        uses: github/codeql-action/upload-sarif@v4
        with:
          sarif_file: reports/backbeat-fuzz.sarif
          category: backbeat-fuzz

  replay-backbeat:
    if: github.event_name == 'push'
    runs-on: ubuntu-latest
    timeout-minutes: 15
    steps:
      {{github_setup}}
      {{replay_note}}
      - name: Replay the committed corpus
        run: backbeat-fuzz replay --target "$TARGET" --allow-empty
"""

GITLAB_FUZZ = """\
# Fuzz a BACKBEAT consumer every night and replay the known findings in every push pipeline.
# Add these jobs to .gitlab-ci.yml, set TARGET to your consumer (installed by the script's
# second line, or importable from the repository root) and BACKBEAT_FUZZ_PACKAGE to where pip
# gets backbeat-fuzz, and create a nightly schedule under Build > Pipeline schedules (e.g.
# cron "17 3 * * *"); "Run pipeline" starts a campaign by hand. The Hypothesis example
# database and the corpus are kept in the CI cache between nights. Commit the entries of the
# reports/new-corpus artifact to keep them.
fuzz-backbeat:
  stage: test
  image: python:{{python}}-slim
  timeout: 45 minutes  # --duration stops new messages after 30 minutes; shrinking may add some
  variables:
    TARGET: "{{target}}"
    {{package_choices}}
    BACKBEAT_FUZZ_PACKAGE: "{{package}}"
  rules:
    - if: $CI_PIPELINE_SOURCE == "schedule"
    - if: $CI_PIPELINE_SOURCE == "web"
  cache:
    key: backbeat-fuzz
    paths:
      - {{database}}
      - {{corpus}}
    when: always
  script:
    - python -m pip install "$BACKBEAT_FUZZ_PACKAGE"
    - |
      {{service_install}}
    - mkdir -p reports/new-corpus && touch reports/.started
    - >-
      {{fuzz_command}}
  after_script:
    - >-
      {{collect_corpus}}
  artifacts:
    when: always
    expire_in: 30 days
    paths:
      - reports/
    reports:
      junit: reports/backbeat-fuzz.xml

replay-backbeat:
  stage: test
  image: python:{{python}}-slim
  timeout: 15 minutes
  variables:
    TARGET: "{{target}}"
    BACKBEAT_FUZZ_PACKAGE: "{{package}}"  # see fuzz-backbeat
  rules:
    - if: $CI_PIPELINE_SOURCE == "push"
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  script:
    - python -m pip install "$BACKBEAT_FUZZ_PACKAGE"
    - |
      {{service_install}}
    {{replay_note}}
    - backbeat-fuzz replay --target "$TARGET" --allow-empty
"""


#: The steps every GitHub job starts with: the checkout, then Python.
_GITHUB_PYTHON = '''\
- uses: actions/checkout@v4
- uses: actions/setup-python@v5
  with:
    python-version: "{{python}}"'''

#: The steps both GitHub fuzz jobs start with: checkout, Python, backbeat-fuzz, the service.
_GITHUB_SETUP = """\
{{github_python}}
- name: Install backbeat-fuzz
  run: python -m pip install "$BACKBEAT_FUZZ_PACKAGE"
- name: Install your service (TARGET must import, with its dependencies)
  run: |
    {{service_install}}"""

#: What the nightly job restores from the Actions cache and saves back: the same paths, one key.
_GITHUB_CACHE = """\
path: |
  {{database}}
  {{corpus}}
key: backbeat-fuzz-${{ github.run_id }}"""

#: The nightly campaign, as both fuzz snippets run it (a folded YAML scalar: one command).
_FUZZ_COMMAND = """\
backbeat-fuzz --target "$TARGET" --max-examples {{max_examples}} --duration 1800
--junit-xml reports/backbeat-fuzz.xml --report-json reports/backbeat-fuzz.json
--sarif reports/backbeat-fuzz.sarif"""

#: Copy the corpus entries the night wrote into reports/new-corpus/ (folded: one command).
_COLLECT_CORPUS = """\
if [ -d corpus ]; then
find corpus -type f -newer reports/.started
-exec cp --parents {} reports/new-corpus/ \\; ;
fi"""

_REPLAY_NOTE = """\
# --allow-empty passes while no corpus is committed yet; drop it once corpus/ is in the
# repository, so that a wrong --corpus path fails the job instead of replaying nothing."""

#: Placeholder -> the shared piece of template it stands for (filled in first, in this order:
#: a piece may hold the pieces above it).
PIECES = {
    "github_python": _GITHUB_PYTHON,
    "github_setup": _GITHUB_SETUP,
    "github_cache": _GITHUB_CACHE,
    "fuzz_command": _FUZZ_COMMAND,
    "collect_corpus": _COLLECT_CORPUS,
    "replay_note": _REPLAY_NOTE,
}
