"""CI snippets: jobs that run ``backbeat-validate`` on messages and ``backbeat-fuzz`` on a consumer.

Each snippet is a template kept here as data and one small function that renders it; the
:data:`SNIPPETS` table maps the file name it is written to onto that function. Add a snippet
by adding a template, a function and a row. Placeholders are ``{{name}}`` (no spaces), so
GitHub's own ``${{ expression }}`` syntax passes through untouched. Run it as
``python -m backbeat_fuzz.ci_snippets OUTDIR`` (``make examples``); exit 0 written, 2 usage.

backbeat-fuzz is not on PyPI, so every snippet installs ``$BACKBEAT_FUZZ_PACKAGE``, a variable
set at its top from ``--package``: a wheel committed to the repository (the default,
``./vendor/backbeat_fuzz-<version>-py3-none-any.whl``: ``make build`` in a backbeat-fuzz
checkout writes it into ``dist/``), a git URL (``git+https://github.com/OWNER/backbeat-fuzz@v0.1.0``)
or a name served by your own index (with ``PIP_INDEX_URL`` or ``PIP_EXTRA_INDEX_URL`` set).

The fuzz snippets install the user's service too (``--service-install``; by default its
``requirements.txt`` and, when it has a ``pyproject.toml`` or ``setup.py``, the project itself),
run a nightly, time-capped campaign that keeps the Hypothesis example database
(``.backbeat-fuzz/examples``, the CLI's default ``--database``) and the corpus (``corpus``, its
default ``--corpus``) in the CI cache between nights, publish the JUnit and SARIF reports,
upload the night's new corpus entries, and replay the corpus on every push.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from . import __version__
from .defaults import DEFAULT_CORPUS, DEFAULT_DATABASE

__all__ = [
    "SNIPPETS",
    "SnippetOptions",
    "github_actions",
    "github_fuzz",
    "gitlab_ci",
    "gitlab_fuzz",
    "makefile",
    "render",
    "write_snippets",
]

EXIT_OK, EXIT_USAGE = 0, 2
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")

#: A wheel committed to the repository: works offline, pins the version.
DEFAULT_PACKAGE = f"./vendor/backbeat_fuzz-{__version__}-py3-none-any.whl"
#: The service's requirements, then the service itself when it is a package.
DEFAULT_SERVICE_INSTALL = (
    "if [ -f requirements.txt ]; then python -m pip install -r requirements.txt; fi; "
    "if [ -f pyproject.toml ] || [ -f setup.py ]; then python -m pip install .; fi"
)

#: The comment above every ``BACKBEAT_FUZZ_PACKAGE`` (lines without their ``#``).
_PACKAGE_CHOICES = """\
backbeat-fuzz is not on PyPI: BACKBEAT_FUZZ_PACKAGE is what pip installs, either
- a wheel committed to this repository (`make build` in a backbeat-fuzz checkout writes it
  into dist/; copy it to vendor/), or
- a git URL: git+https://github.com/OWNER/backbeat-fuzz@v0.1.0, or
- the name backbeat-fuzz, with PIP_INDEX_URL or PIP_EXTRA_INDEX_URL set to your index."""


def _comment(text: str, indent: int) -> str:
    return "\n".join(" " * indent + "# " + line for line in text.splitlines())


@dataclass(frozen=True)
class SnippetOptions:
    """What a snippet is filled in with.

    Attributes:
        messages: the folder of message files to validate, relative to the repository root.
        package: what ``pip install`` installs as backbeat-fuzz: a wheel's path, a VCS URL
            (``git+https://...``), or a name or version spec your index serves.
        python: the Python version CI sets up.
        target: the consumer the fuzz jobs test (any ``--target`` form).
        service_install: the one-line shell command that installs the service under test and
            its dependencies, run from the repository root before fuzzing and replaying.
        max_examples: the nightly campaign's ``--max-examples`` (examples per kind and
            direction): large, so that ``--duration 1800`` is what ends the night; with a
            duration the harness runs its units in rounds, so every rule gets its share.
    """

    messages: str = "messages"
    package: str = DEFAULT_PACKAGE
    python: str = "3.11"
    target: str = "mysvc.handler"
    max_examples: int = 1_000_000
    service_install: str = DEFAULT_SERVICE_INSTALL


GITHUB_ACTIONS = """\
# Validate BACKBEAT messages on every push and pull request.
# Save as .github/workflows/backbeat.yml.
name: Validate BACKBEAT messages

on:
  push:
  pull_request:

env:
{{package_choices_2}}
  BACKBEAT_FUZZ_PACKAGE: "{{package}}"

jobs:
  validate-backbeat:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "{{python}}"
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
{{package_choices_4}}
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
{{package_choices_0}}
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
{{package_choices_2}}
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
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "{{python}}"
      - name: Install backbeat-fuzz
        run: python -m pip install "$BACKBEAT_FUZZ_PACKAGE"
      - name: Install your service (TARGET must import, with its dependencies)
        run: |
          {{service_install}}
      - name: Restore the example database and corpus
        uses: actions/cache/restore@v4
        with:
          path: |
            {{database}}
            {{corpus}}
          key: backbeat-fuzz-${{ github.run_id }}
          restore-keys: |
            backbeat-fuzz-
      - name: Mark the start of the night
        run: mkdir -p reports/new-corpus && touch reports/.started
      - name: Fuzz for at most 30 minutes
        run: >-
          backbeat-fuzz --target "$TARGET" --max-examples {{max_examples}} --duration 1800
          --junit-xml reports/backbeat-fuzz.xml --report-json reports/backbeat-fuzz.json
          --sarif reports/backbeat-fuzz.sarif
      - name: Collect the corpus entries written tonight
        if: always()
        run: >-
          if [ -d corpus ]; then
          find corpus -type f -newer reports/.started
          -exec cp --parents {} reports/new-corpus/ \\; ;
          fi
      - name: Save the example database and corpus
        if: always()
        uses: actions/cache/save@v4
        with:
          path: |
            {{database}}
            {{corpus}}
          key: backbeat-fuzz-${{ github.run_id }}
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
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "{{python}}"
      - name: Install backbeat-fuzz
        run: python -m pip install "$BACKBEAT_FUZZ_PACKAGE"
      - name: Install your service (TARGET must import, with its dependencies)
        run: |
          {{service_install}}
      # --allow-empty passes while no corpus is committed yet; drop it once corpus/ is in the
      # repository, so that a wrong --corpus path fails the job instead of replaying nothing.
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
{{package_choices_4}}
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
      backbeat-fuzz --target "$TARGET" --max-examples {{max_examples}} --duration 1800
      --junit-xml reports/backbeat-fuzz.xml --report-json reports/backbeat-fuzz.json
      --sarif reports/backbeat-fuzz.sarif
  after_script:
    - >-
      if [ -d corpus ]; then
      find corpus -type f -newer reports/.started
      -exec cp --parents {} reports/new-corpus/ \\; ;
      fi
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
    # --allow-empty passes while no corpus is committed yet; drop it once corpus/ is in the
    # repository, so that a wrong --corpus path fails the job instead of replaying nothing.
    - backbeat-fuzz replay --target "$TARGET" --allow-empty
"""


def render(template: str, options: SnippetOptions) -> str:
    """Fill the ``{{name}}`` placeholders of *template* from *options*.

    Raises:
        KeyError: the template names a placeholder that :class:`SnippetOptions` lacks.
    """
    values: dict[str, object] = dict(
        vars(options), database=DEFAULT_DATABASE, corpus=DEFAULT_CORPUS
    )
    for indent in (0, 2, 4):
        values[f"package_choices_{indent}"] = _comment(_PACKAGE_CHOICES, indent)

    def fill(match: re.Match[str]) -> str:
        if match[1] not in values:
            raise KeyError(f"placeholder {{{{{match[1]}}}}} is unknown; use one of {list(values)}")
        return str(values[match[1]])

    return _PLACEHOLDER.sub(fill, template)


def github_actions(options: SnippetOptions) -> str:
    """A GitHub Actions workflow that installs the package and validates the messages."""
    return render(GITHUB_ACTIONS, options)


def gitlab_ci(options: SnippetOptions) -> str:
    """A GitLab CI job that installs the package and validates the messages."""
    return render(GITLAB_CI, options)


def makefile(options: SnippetOptions) -> str:
    """A Makefile fragment with a ``validate-backbeat`` target."""
    return render(MAKEFILE, options)


def github_fuzz(options: SnippetOptions) -> str:
    """A GitHub Actions workflow: a nightly fuzz campaign and a corpus replay on every push."""
    return render(GITHUB_FUZZ, options)


def gitlab_fuzz(options: SnippetOptions) -> str:
    """GitLab CI jobs: a scheduled fuzz campaign and a corpus replay in push pipelines."""
    return render(GITLAB_FUZZ, options)


#: File name -> the function that renders it.
SNIPPETS: dict[str, Callable[[SnippetOptions], str]] = {
    "github-actions.yml": github_actions,
    "gitlab-ci.yml": gitlab_ci,
    "Makefile.backbeat": makefile,
    "github-actions-fuzz.yml": github_fuzz,
    "gitlab-ci-fuzz.yml": gitlab_fuzz,
}


def write_snippets(outdir: str | Path, options: SnippetOptions | None = None) -> list[Path]:
    """Write every snippet of :data:`SNIPPETS` into *outdir* (created if needed).

    Returns:
        The files written, in table order; existing ones are overwritten.
    """
    folder = Path(outdir)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in SNIPPETS.items():
        path = folder / name
        path.write_text(build(options or SnippetOptions()), encoding="utf-8")
        written.append(path)
    return written


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("outdir", type=click.Path(path_type=Path))
@click.option("--messages", default="messages", show_default=True, help="Folder to validate.")
@click.option(
    "--package",
    default=DEFAULT_PACKAGE,
    show_default=True,
    help="What pip installs as backbeat-fuzz (not on PyPI): a wheel path, a git+https:// URL, "
    "or a name your index serves.",
)
@click.option(
    "--target", default="mysvc.handler", show_default=True, help="The consumer the fuzz jobs test."
)
@click.option(
    "--service-install",
    default=DEFAULT_SERVICE_INSTALL,
    help="One shell line that installs the service under test before fuzzing and replaying "
    "(default: its requirements.txt, then the project itself if it is a package).",
)
def main(outdir: Path, messages: str, package: str, target: str, service_install: str) -> None:
    """Write CI snippets (GitHub Actions, GitLab CI, Makefile): validate messages with
    backbeat-validate, fuzz a consumer nightly and replay its corpus with backbeat-fuzz."""
    if "\n" in service_install:
        raise click.UsageError(
            "--service-install must be one line; join the commands with '&&' or ';'"
        )
    if outdir.exists() and not outdir.is_dir():
        raise click.UsageError(f"OUTDIR {str(outdir)!r} is a file; give a folder to write into")
    try:
        options = SnippetOptions(
            messages=messages, package=package, target=target, service_install=service_install
        )
        written = write_snippets(outdir, options)
    except OSError as exc:
        raise click.UsageError(f"cannot write into {str(outdir)!r}: {exc.strerror}") from None
    for path in written:
        click.echo(f"wrote {path}")
    sys.exit(EXIT_OK)


if __name__ == "__main__":  # pragma: no cover
    main()
