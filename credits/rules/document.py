"""Read a policy YAML document into a validated Policy, with errors naming file, line and field."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from credits.rules.schema import KINDS, Policy

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)
# A policy is a few kilobytes; these limits refuse a hostile document before it costs memory or recursion.
MAX_BYTES = 256 * 1024
MAX_DEPTH = 20
MAX_EVENTS = 50_000


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a policy document."""

    source: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class PolicyError(ValueError):
    """A policy document was refused; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _Loader(yaml.SafeLoader):
    """SafeLoader that reads floats as Decimal so 0.1 stays 0.1, and names the line of any unreadable value."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except yaml.MarkedYAMLError:
            raise
        except (ValueError, TypeError, ArithmeticError, OverflowError) as exc:  # e.g. a date like 2026-13-45
            raise yaml.constructor.ConstructorError(
                None, None, f"unreadable value ({exc})", node.start_mark) from exc


def _decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        return float(text.replace(".inf", "inf").replace(".nan", "nan").replace(".Inf", "inf"))


_Loader.add_constructor("tag:yaml.org,2002:float", _decimal)


def _index_lines(node: yaml.Node, loc: Loc, lines: dict[Loc, int], dupes: list[tuple[Loc, int]]) -> None:
    """Record the 1-based line of every key and item; note duplicate keys, which YAML would hide."""
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                dupes.append((loc + (key,), key_node.start_mark.line + 1))
            seen.add(key)
            _index_lines(value_node, loc + (key,), lines, dupes)
            # A key's own line beats its value's (a nested mapping starts on the next line).
            lines[loc + (key,)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, loc + (i,), lines, dupes)


def _line_for(lines: dict[Loc, int], loc: Loc) -> int | None:
    """Line of the deepest known prefix of loc (a missing key points at its parent)."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _dotted(loc: Loc) -> str:
    return ".".join(str(part) for part in loc)


_MESSAGES = {
    "extra_forbidden": "unknown key",
    "missing": "required key is missing",
}


def _describe(err: dict[str, Any]) -> str:
    """Pydantic's message, reworded where a registrar would not follow it."""
    kind = err.get("type", "")
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    message = str(err.get("msg", "invalid"))
    message = message.removeprefix("Value error, ")
    if "input" in err and kind not in ("model_type", "dict_type") and not isinstance(err["input"], dict):
        shown = repr(err["input"])
        message += f" (got {shown if len(shown) <= 80 else shown[:77] + '...'})"
    return message


def content_sha256(text: str) -> str:
    """Stable digest of a policy source, used to recognise a file already published."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def semantic_problems(policy: Policy) -> list[tuple[Loc, str]]:
    """Cross-field checks that the schema cannot express field by field."""
    found: list[tuple[Loc, str]] = []
    if policy.caps.per_term is None and policy.caps.per_student_total is None:
        found.append((("caps",), "set caps.per_term or caps.per_student_total: without either a term's credit "
                                 "has no upper bound"))
    step = policy.credits.rounding_step
    single = policy.largest_single_credit()
    for name in ("per_term", "per_repository_per_term", "per_student_total"):
        cap = getattr(policy.caps, name)
        if cap is None:
            continue
        if cap % step != 0:
            found.append((("caps", name), f"{cap} is not a multiple of credits.rounding_step {step}"))
        if cap < single:
            found.append(
                (
                    ("caps", name),
                    f"cap {cap} is below the value of a single contribution "
                    f"({single.normalize()} credits); no contribution could ever be counted in full",
                )
            )
    for kind in KINDS:
        rule = getattr(policy.kinds, kind)
        if rule is not None and rule.size_bands and rule.size_bands[0].from_lines < rule.min_changed_lines:
            found.append(
                (("kinds", kind, "size_bands", 0, "from_lines"), "a size band starts below min_changed_lines")
            )
    for i, label in enumerate(policy.exclusions.labels):
        if not label.strip():
            found.append((("exclusions", "labels", i), "empty label"))
    return found


def _line_of(text: str, position: int | None) -> int | None:
    return None if position is None else text.count("\n", 0, max(position, 0)) + 1


def _screen(text: str, source: str) -> None:
    """Refuse, before building anything, a document too large, with aliases, or nested too deep."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise PolicyError([Problem(source, None, "", f"the document is too large ({size} bytes; at most {MAX_BYTES})")])
    depth = events = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):  # the event stream is flat: no recursion, no expansion
            line = event.start_mark.line + 1 if event.start_mark else None
            events += 1
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise PolicyError([Problem(source, line, "", "YAML anchors and aliases (& and *) are not allowed "
                                                             "in a policy; write the values out")])
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise PolicyError([Problem(source, line, "", f"nested more than {MAX_DEPTH} levels deep")])
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            if events > MAX_EVENTS:
                raise PolicyError([Problem(source, line, "", f"more than {MAX_EVENTS} YAML values")])
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise PolicyError([Problem(source, mark.line + 1 if mark else None, "",
                                   f"YAML error: {exc.problem or exc}")]) from exc
    except yaml.YAMLError as exc:  # a ReaderError (a control character) carries a position, not a mark
        raise PolicyError([Problem(source, _line_of(text, getattr(exc, "position", None)) or 1, "",
                                   f"YAML error: {exc}")]) from exc


def parse_document(text: str, source: str, model: type[M]) -> tuple[M, dict[Loc, int]]:
    """Parse YAML into `model` or raise PolicyError naming the line of every problem; also return the lines."""
    _screen(text, source)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise PolicyError([Problem(source, None, "", "the document is empty")])
        lines: dict[Loc, int] = {}
        dupes: list[tuple[Loc, int]] = []
        _index_lines(node, (), lines, dupes)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise PolicyError([Problem(source, line, "", f"YAML error: {exc.problem or exc}")]) from exc
    except yaml.YAMLError as exc:
        raise PolicyError([Problem(source, _line_of(text, getattr(exc, "position", None)) or 1, "",
                                   f"YAML error: {exc}")]) from exc
    finally:
        loader.dispose()
    if dupes:
        raise PolicyError([Problem(source, line, _dotted(loc), "duplicate key") for loc, line in dupes])
    if not isinstance(data, dict):
        raise PolicyError([Problem(source, 1, "", "the document must be a mapping of keys")])
    try:
        return model.model_validate(data), lines
    except ValidationError as exc:
        problems = [
            Problem(source, _line_for(lines, tuple(e["loc"])), _dotted(tuple(e["loc"])), _describe(e))
            for e in exc.errors()
        ]
        raise PolicyError(problems) from exc


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    """Parse and validate a policy document or raise PolicyError listing every problem."""
    policy, lines = parse_document(text, source, Policy)
    semantic = semantic_problems(policy)
    if semantic:
        raise PolicyError([Problem(source, _line_for(lines, loc), _dotted(loc), msg) for loc, msg in semantic])
    return policy
