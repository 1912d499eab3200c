"""CI snippets: jobs that run ``backbeat-validate`` on messages and ``backbeat-fuzz`` on a consumer.

Each snippet is a template kept as data (:mod:`.ci_templates`) and one small function that
renders it; the :data:`SNIPPETS` table maps the file name it is written to onto that function.
Add a snippet by adding a template, a function and a row. Placeholders are ``{{name}}`` (no
spaces), so GitHub's own ``${{ expression }}`` syntax passes through untouched. Run it as
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
from .ci_templates import (
    GITHUB_ACTIONS,
    GITHUB_FUZZ,
    GITLAB_CI,
    GITLAB_FUZZ,
    MAKEFILE,
    PACKAGE_CHOICES,
    PIECES,
)
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


def _comment(text: str) -> str:
    return "\n".join("# " + line for line in text.splitlines())


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


def render(template: str, options: SnippetOptions) -> str:
    """Fill the ``{{name}}`` placeholders of *template* from *options*; a value of several
    lines is indented as its placeholder is.

    Raises:
        KeyError: the template names a placeholder that :class:`SnippetOptions` lacks.
    """
    values: dict[str, object] = dict(
        vars(options),
        database=DEFAULT_DATABASE,
        corpus=DEFAULT_CORPUS,
        package_choices=_comment(PACKAGE_CHOICES),
    )
    for name, piece in PIECES.items():
        values[name] = _fill(piece, values)
    return _fill(template, values)


def _fill(template: str, values: dict[str, object]) -> str:
    def fill(match: re.Match[str]) -> str:
        if match[1] not in values:
            raise KeyError(f"placeholder {{{{{match[1]}}}}} is unknown; use one of {list(values)}")
        line = template[template.rfind("\n", 0, match.start()) + 1 : match.start()]
        indent = line if line.isspace() else ""
        return str(values[match[1]]).replace("\n", "\n" + indent)

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
