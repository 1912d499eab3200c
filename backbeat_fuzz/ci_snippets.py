"""CI snippets: the seed README's CI integration examples, re-done for ``backbeat-validate``.

Each snippet is a template kept here as data and one small function that renders it; the
:data:`SNIPPETS` table maps the file name it is written to onto that function. Add a snippet
(a nightly fuzz job, say) by adding a template, a function and a row. Run it as
``python -m backbeat_fuzz.ci_snippets OUTDIR`` (``make examples``); exit 0 written, 2 usage.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

__all__ = ["SNIPPETS", "SnippetOptions", "render", "write_snippets"]

EXIT_OK, EXIT_USAGE = 0, 2
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


@dataclass(frozen=True)
class SnippetOptions:
    """What a snippet is filled in with.

    Attributes:
        messages: the folder of message files to validate, relative to the repository root.
        package: what ``pip install`` installs (a name, a version spec, a path or a VCS URL).
        python: the Python version CI sets up.
    """

    messages: str = "messages"
    package: str = "backbeat-fuzz"
    python: str = "3.11"


GITHUB_ACTIONS = """\
# Validate BACKBEAT messages on every push and pull request.
# Save as .github/workflows/backbeat.yml.
name: Validate BACKBEAT messages

on:
  push:
  pull_request:

jobs:
  validate-backbeat:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "{{python}}"
      - name: Install backbeat-validate
        run: python -m pip install "{{package}}"
      - name: Validate BACKBEAT messages
        run: backbeat-validate --dir {{messages}} --exit-code
"""

GITLAB_CI = """\
# Validate BACKBEAT messages in every pipeline. Add this job to .gitlab-ci.yml.
validate-backbeat:
  stage: test
  image: python:{{python}}-slim
  script:
    - python -m pip install "{{package}}"
    - backbeat-validate --dir {{messages}} --exit-code
"""

MAKEFILE = """\
# Validate BACKBEAT messages: add `include Makefile.backbeat` to your Makefile, then run
# `make validate-backbeat`. Override the variables on the command line if needed.
BACKBEAT_MESSAGES ?= {{messages}}
BACKBEAT_VALIDATE ?= backbeat-validate
BACKBEAT_PIP ?= python3 -m pip
BACKBEAT_PACKAGE ?= {{package}}

.PHONY: validate-backbeat
validate-backbeat:
\t@command -v $(BACKBEAT_VALIDATE) >/dev/null || $(BACKBEAT_PIP) install -q "$(BACKBEAT_PACKAGE)"
\t$(BACKBEAT_VALIDATE) --dir $(BACKBEAT_MESSAGES) --exit-code
"""


def render(template: str, options: SnippetOptions) -> str:
    """Fill the ``{{name}}`` placeholders of *template* from *options*.

    Raises:
        KeyError: the template names a placeholder that :class:`SnippetOptions` lacks.
    """
    values = vars(options)

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


#: File name -> the function that renders it.
SNIPPETS: dict[str, Callable[[SnippetOptions], str]] = {
    "github-actions.yml": github_actions,
    "gitlab-ci.yml": gitlab_ci,
    "Makefile.backbeat": makefile,
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
@click.option("--package", default="backbeat-fuzz", show_default=True, help="What pip installs.")
def main(outdir: Path, messages: str, package: str) -> None:
    """Write CI snippets (GitHub Actions, GitLab CI, Makefile) that run backbeat-validate."""
    if outdir.exists() and not outdir.is_dir():
        raise click.UsageError(f"OUTDIR {str(outdir)!r} is a file; give a folder to write into")
    try:
        written = write_snippets(outdir, SnippetOptions(messages=messages, package=package))
    except OSError as exc:
        raise click.UsageError(f"cannot write into {str(outdir)!r}: {exc.strerror}") from None
    for path in written:
        click.echo(f"wrote {path}")
    sys.exit(EXIT_OK)


if __name__ == "__main__":  # pragma: no cover
    main()
