"""Read rule files with PyYAML's safe loader, keeping the line of every key.

``yaml.compose`` gives the node tree with source marks; we construct plain
Python values from it ourselves so that each key path can be mapped back to a
line, and so that duplicate keys (which ``safe_load`` silently overwrites)
become problems instead of surprises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

KeyPath = tuple[str | int, ...]


@dataclass
class Document:
    """A parsed rule file: its data, the line of each key path, and parse problems."""

    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)
    errors: list[tuple[int | None, KeyPath, str]] = field(default_factory=list)

    def line_of(self, path: KeyPath) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


class _Builder:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.constructor = yaml.SafeLoader("")  # only used to construct scalars safely

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        self.doc.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.constructor.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.constructor.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                self.doc.errors.append((line, path, f"keys must be strings, got {key!r}; quote it"))
                key = str(key)
            if key in out:
                self.doc.errors.append((line, (*path, key), f"duplicate key '{key}'"))
                continue
            self.doc.lines[(*path, key)] = line
            out[key] = self.build(value_node, (*path, key))
        return out


def parse_yaml(text: str) -> Document:
    """Parse one YAML document safely; syntax errors become located problems."""
    doc = Document(data=None)
    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml when built with it
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        doc.errors.append((line, (), f"not valid YAML: {getattr(exc, 'problem', None) or exc}"))
        return doc
    if root is not None:
        doc.data = _Builder(doc).build(root, ())
    return doc


def read_document(path: Path) -> Document:
    """Read and parse one rule file; an unreadable file is a problem, not a crash."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Document(data=None, errors=[(None, (), f"cannot read the file: {exc}")])
    return parse_yaml(text)


def default_rules_dir() -> Path:
    """The shipped rules: ``advisor/_rules`` in a wheel, the repo's ``rules/`` in a checkout.

    pyproject.toml force-includes the top-level ``rules/`` into the wheel as
    ``advisor/_rules``; an editable install or a source checkout has no such
    folder, so fall back to the repository copy.
    """
    import advisor

    package = Path(advisor.__file__).resolve().parent
    installed = package / "_rules"
    return installed if installed.is_dir() else package.parent / "rules"
