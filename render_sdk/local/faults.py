"""Fault plans for the local server: a small textual grammar, parsed and decided purely.

The grammar (the same text works on the command line and from Python)::

    spec   := rule (';' rule)*
    rule   := [METHOD ' '] PATH '=' plan
    plan   := step (',' step)*            a script: one step per matching request,
                                          in order; once used up the rule is spent
            | 'rate:' P ':' step          each matching request, with probability P
    step   := item ('+' item)* ['*' N]    items combine; '*N' repeats the step N times
    item   := 'ok'                       no fault
            | STATUS [':' SECONDS]       answer with that status (4xx/5xx) and an error
                                         body; with 429 the number is Retry-After (default 1)
            | 'drop'                     close the connection before handling the request
            | 'drop-after'               handle the request, then close without answering
            | 'latency:' SECONDS         wait before handling the request
            | 'stall'                    send the response headers, then never the body
            | 'drop-events:' N           events stream: close after N run events
            | 'drop-time:' SECONDS       events stream: close after that many seconds
            | 'silent'                   events stream: heartbeats only, never an event
            | 'mute'                     events stream: nothing at all after the headers

METHOD is an HTTP method or ``*`` (any; also the default). PATH is matched as a
shell-style pattern where ``*`` matches anything, so ``/v1/task-runs/*`` matches
``/v1/task-runs/trn-1`` and ``/v1/task-runs/events``. A request consults the rules
in the order they were added; a scripted rule consumes one step per matching
request; the first rule that returns a fault decides.

Examples::

    POST /v1/task-runs=503,ok,drop-after
    GET /v1/task-runs/*=rate:0.1:503
    GET /v1/task-runs/events=drop-events:1;POST /v1/task-runs=latency:0.2+429:2*2
"""

from __future__ import annotations

import fnmatch
import random
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

__all__ = ["Fault", "FaultPlan", "FaultRule", "FaultSpecError", "parse_rule", "parse_spec"]

_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "*"})
_MAX_REPEAT = 10_000


class FaultSpecError(ValueError):
    """A fault specification that does not follow the grammar."""


@dataclass(frozen=True)
class Fault:
    """What to do to one request; the default value means "no fault"."""

    status: int | None = None
    retry_after: float | None = None
    drop: bool = False
    drop_after: bool = False
    latency: float = 0.0
    stall: bool = False
    events_drop_after: int | None = None
    events_drop_time: float | None = None
    events_silent: bool = False
    events_mute: bool = False

    @property
    def is_noop(self) -> bool:
        """True when this fault changes nothing."""
        return self == _NOOP


_NOOP = Fault()


def _number(text: str, what: str, item: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise FaultSpecError(f"{what} must be a number in {item!r}") from None
    if value < 0 or value != value or value == float("inf"):
        raise FaultSpecError(f"{what} must be a finite number >= 0 in {item!r}")
    return value


def _count(text: str, what: str, item: str) -> int:
    if not text.isdigit():
        raise FaultSpecError(f"{what} must be a whole number >= 0 in {item!r}")
    return int(text)


def _outcome_name(fault: Fault) -> str | None:
    if fault.status is not None:
        return str(fault.status)
    for name in ("drop", "drop_after", "stall"):
        if getattr(fault, name):
            return name.replace("_", "-")
    return None


def _parse_item(item: str, fault: Fault) -> Fault:
    """Fold one item of a step into the fault built so far."""
    name, _, arg = item.partition(":")
    name = name.strip().lower()
    arg = arg.strip()
    outcome: dict[str, object] = {}
    if name == "ok" and not arg:
        return fault
    if name.isdigit():
        status = int(name)
        if not 400 <= status <= 599:
            raise FaultSpecError(f"status must be 4xx or 5xx, got {item!r}")
        outcome = {"status": status}
        if arg:
            outcome["retry_after"] = _number(arg, "Retry-After", item)
        elif status == 429:
            outcome["retry_after"] = 1.0
    elif name in ("drop", "drop-after", "stall") and not arg:
        outcome = {name.replace("-", "_"): True}
    elif name == "latency":
        return replace(fault, latency=fault.latency + _number(arg, "latency", item))
    elif name == "drop-events":
        return replace(fault, events_drop_after=_count(arg, "event count", item))
    elif name == "drop-time":
        return replace(fault, events_drop_time=_number(arg, "duration", item))
    elif name == "silent" and not arg:
        return replace(fault, events_silent=True)
    elif name == "mute" and not arg:
        return replace(fault, events_mute=True)
    else:
        raise FaultSpecError(
            f"unknown fault {item!r}; expected ok, a 4xx/5xx status, drop, drop-after, "
            "latency:S, stall, drop-events:N, drop-time:S, silent or mute"
        )
    previous = _outcome_name(fault)
    if previous is not None:
        raise FaultSpecError(f"{item!r} cannot be combined with {previous!r} in one step")
    return replace(fault, **outcome)  # type: ignore[arg-type]


def parse_step(text: str) -> list[Fault]:
    """Parse one step (``latency:0.1+503*2``) into the faults it stands for, in order."""
    body, star, repeat_text = text.strip().rpartition("*")
    if not star:
        body, repeat = text.strip(), 1
    else:
        repeat = _count(repeat_text.strip(), "repeat count", text)
        if repeat > _MAX_REPEAT:
            raise FaultSpecError(f"repeat count above {_MAX_REPEAT} in {text!r}")
    if not body.strip():
        raise FaultSpecError(f"empty fault step in {text!r}")
    fault = _NOOP
    for item in body.split("+"):
        if not item.strip():
            raise FaultSpecError(f"empty fault item in {text!r}")
        fault = _parse_item(item.strip(), fault)
    return [fault] * repeat


@dataclass
class FaultRule:
    """One rule: which requests it applies to, and its script or rate."""

    method: str
    path: str
    script: list[Fault] = field(default_factory=list)
    probability: float | None = None
    rate_fault: Fault = _NOOP

    def matches(self, method: str, path: str) -> bool:
        """Whether a request with this method and path is subject to this rule."""
        if self.method not in ("*", method.upper()):
            return False
        return fnmatch.fnmatchcase(path, self.path)

    @property
    def spent(self) -> bool:
        """A script whose steps have all been used."""
        return self.probability is None and not self.script

    def next_fault(self, rng: random.Random) -> Fault:
        """Consume the next step of a script, or roll the dice of a rate."""
        if self.probability is not None:
            return self.rate_fault if rng.random() < self.probability else _NOOP
        if self.script:
            return self.script.pop(0)
        return _NOOP


def _split_target(target: str, rule_text: str) -> tuple[str, str]:
    parts = target.split()
    if len(parts) == 1:
        method, path = "*", parts[0]
    elif len(parts) == 2:
        method, path = parts[0].upper(), parts[1]
    else:
        raise FaultSpecError(f"expected '[METHOD] PATH=...' in {rule_text!r}")
    if method not in _METHODS:
        raise FaultSpecError(f"unknown HTTP method {method!r} in {rule_text!r}")
    if not path.startswith("/") and path != "*":
        raise FaultSpecError(f"path must start with '/' in {rule_text!r}")
    return method, path


def make_rule(method: str, path: str, plan: str | Sequence[str]) -> FaultRule:
    """Build a rule from its parts; ``plan`` is text (``"503,ok"``) or a list of steps."""
    method, path = _split_target(f"{method} {path}", f"{method} {path}")
    if isinstance(plan, str):
        plan_text = plan.strip()
        if plan_text.lower().startswith("rate:"):
            _, probability_text, step_text = [*plan_text.split(":", 2), "", ""][:3]
            probability = _number(probability_text, "probability", plan_text)
            if probability > 1:
                raise FaultSpecError(f"probability must be between 0 and 1 in {plan_text!r}")
            faults = parse_step(step_text) if step_text.strip() else []
            if len(faults) != 1:
                raise FaultSpecError(f"expected 'rate:P:STEP' in {plan_text!r}")
            return FaultRule(method, path, probability=probability, rate_fault=faults[0])
        steps: Sequence[str] = plan_text.split(",")
    else:
        steps = plan
    script: list[Fault] = []
    for step in steps:
        script.extend(parse_step(step))
    return FaultRule(method, path, script=script)


def parse_rule(text: str) -> FaultRule:
    """Parse one ``[METHOD] PATH=plan`` rule."""
    target, eq, plan = text.partition("=")
    if not eq or not plan.strip():
        raise FaultSpecError(f"expected '[METHOD] PATH=plan' in {text!r}")
    method, path = _split_target(target.strip(), text)
    return make_rule(method, path, plan)


def parse_spec(text: str) -> list[FaultRule]:
    """Parse a whole specification: rules separated by ``;`` (blank text gives none)."""
    return [parse_rule(part) for part in text.split(";") if part.strip()]


class FaultPlan:
    """The live set of fault rules of one server; safe to change from any thread."""

    def __init__(self, rules: Iterable[FaultRule] = (), *, seed: int | None = None) -> None:
        """Start with ``rules``; ``seed`` makes rate-based faults reproducible."""
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = list(rules)
        self._rng = random.Random(seed)

    @classmethod
    def from_spec(cls, spec: str | Iterable[str] | None, *, seed: int | None = None) -> FaultPlan:
        """Build a plan from one specification text or several (``None``: no faults)."""
        texts = [spec] if isinstance(spec, str) else list(spec or [])
        rules = [rule for text in texts for rule in parse_spec(text)]
        return cls(rules, seed=seed)

    def add(self, spec: str) -> None:
        """Add the rules of a specification text after the existing ones."""
        rules = parse_spec(spec)
        with self._lock:
            self._rules.extend(rules)

    def script(self, method: str, path: str, steps: Sequence[str]) -> None:
        """Add a scripted rule: ``script("POST", "/v1/task-runs", ["503", "ok"])``."""
        rule = make_rule(method, path, list(steps))
        with self._lock:
            self._rules.append(rule)

    def rate(self, method: str, path: str, probability: float, step: str) -> None:
        """Add a rate rule: each matching request gets ``step`` with ``probability``."""
        rule = make_rule(method, path, f"rate:{probability}:{step}")
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        """Remove every rule: the server behaves normally again."""
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> list[FaultRule]:
        """A snapshot of the current rules (spent scripts included)."""
        with self._lock:
            return list(self._rules)

    @property
    def pending(self) -> int:
        """How many scripted steps are still waiting for a request."""
        with self._lock:
            return sum(len(rule.script) for rule in self._rules)

    def decide(self, method: str, path: str) -> Fault:
        """The fault for one request (consumes scripted steps); ``Fault()`` for none."""
        with self._lock:
            if not self._rules:
                return _NOOP
            for rule in self._rules:
                if rule.spent or not rule.matches(method, path):
                    continue
                fault = rule.next_fault(self._rng)
                if not fault.is_noop:
                    return fault
            return _NOOP
