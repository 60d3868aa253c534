"""Reading the reviewer's YAML files: one place that turns a broken file into a located Problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from evidence_review.core.errors import InputError, Problem


def yaml_problem(exc: yaml.YAMLError, label: str) -> Problem:
    """A YAML syntax error as a Problem naming the file and the 1-based line."""
    mark = getattr(exc, "problem_mark", None)
    return Problem(file=label, row=mark.line + 1 if mark else None,
                   message=f"not valid YAML: {getattr(exc, 'problem', None) or exc}")


def read_yaml(path: Path, label: str, missing: str = "file not found") -> Any:
    """Load a YAML file; a missing file, bad encoding or bad syntax raises InputError."""
    path = Path(path)
    if not path.is_file():
        raise InputError(Problem(file=label, message=missing))
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(yaml_problem(exc, label)) from None
    except UnicodeDecodeError:
        raise InputError(Problem(file=label, message="not UTF-8 text")) from None
