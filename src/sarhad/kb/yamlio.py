"""Safe YAML reading that remembers the line of every key, and refuses hostile files.

Only PyYAML's ``SafeLoader`` is used (no arbitrary objects). Files over :data:`MAX_BYTES`,
nested deeper than :data:`MAX_DEPTH`, or using anchors/aliases (the "billion laughs" expansion)
are refused with one clear message instead of hanging or exhausting memory.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from sarhad.errors import Problem

MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 40

LineMap = dict[tuple[Any, ...], int]


class YamlRefused(Exception):
    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def _walk(node: yaml.Node, path: tuple[Any, ...], lines: LineMap, depth: int, seen: set[int],
          file: str) -> None:
    if depth > MAX_DEPTH:
        raise YamlRefused(Problem(file, node.start_mark.line + 1, ".".join(map(str, path)),
                                  f"nested deeper than {MAX_DEPTH} levels; refused"))
    if id(node) in seen:
        raise YamlRefused(Problem(file, node.start_mark.line + 1, ".".join(map(str, path)),
                                  "anchors and aliases (&x / *x) are not allowed in scenario "
                                  "files"))
    seen.add(id(node))
    lines.setdefault(path, node.start_mark.line + 1)  # a key's own line wins over its value's
    if isinstance(node, yaml.MappingNode):
        keys: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in keys:
                raise YamlRefused(Problem(file, key_node.start_mark.line + 1,
                                          ".".join(map(str, (*path, key))),
                                          f"key {key!r} appears twice in the same mapping"))
            keys.add(key)
            lines[(*path, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*path, key), lines, depth + 1, seen, file)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), lines, depth + 1, seen, file)


def load_yaml_text(text: str, file: str) -> tuple[Any, LineMap]:
    """Parse YAML text; return the data and a map from key path to 1-based line number."""
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise YamlRefused(Problem(file, None, "", f"file larger than {MAX_BYTES // 2**20} MB; "
                                  "refused (scenario files are small)"))
    loader = yaml.SafeLoader(text)
    old_limit = sys.getrecursionlimit()
    try:
        # The composer recurses once per nesting level; a low ceiling turns a hostile,
        # deeply nested file into a quick refusal rather than a crash.
        sys.setrecursionlimit(max(old_limit, 2000))
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines: LineMap = {}
        _walk(node, (), lines, 0, set(), file)
        data = loader.construct_document(node)
    except RecursionError:
        raise YamlRefused(Problem(file, None, "", f"nested deeper than {MAX_DEPTH} levels; "
                                  "refused")) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        what = err.problem or err.context or "not valid YAML"
        raise YamlRefused(Problem(file, line, "", f"YAML syntax error: {what}")) from None
    except yaml.YAMLError as err:
        raise YamlRefused(Problem(file, None, "", f"YAML syntax error: {err}")) from None
    finally:
        loader.dispose()
        sys.setrecursionlimit(old_limit)
    return data, lines


def load_yaml_file(path: Path) -> tuple[Any, LineMap]:
    """Read and parse a YAML file with the limits of this module."""
    file = str(path)
    try:
        size = path.stat().st_size
    except OSError as err:
        raise YamlRefused(Problem(file, None, "", f"cannot read: {err.strerror}")) from None
    if size > MAX_BYTES:
        raise YamlRefused(Problem(file, None, "", f"file is {size / 2**20:.0f} MB, larger than "
                                  f"the {MAX_BYTES // 2**20} MB limit; refused"))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise YamlRefused(Problem(file, None, "", f"not UTF-8 text ({err.reason} at byte "
                                  f"{err.start})")) from None
    return load_yaml_text(text, file)
