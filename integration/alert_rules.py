"""What dist/sipproxy-alerts.yml asks of /metrics: the sipproxy series its
expressions select, with the labels they select or group by.  The pool tests
check these against a real instance's /metrics, so a renamed metric or label
breaks the suite instead of silencing an alert."""

from __future__ import annotations

import re
from pathlib import Path

import mgmt_util as mu

RULES = Path(__file__).resolve().parent.parent / "dist" / "sipproxy-alerts.yml"

_SELECTOR = re.compile(r"\b(sipproxy_[a-z_]+)(?:\{([^}]*)\})?")
_BY = re.compile(r"\bby \(([^)]*)\)")


def wanted() -> dict[str, set[str]]:
    """Each sipproxy series an alert's `expr:` names, with the label names the
    alert uses: in its selectors, its `by (...)` and its annotations'
    `$labels.X` (instance and job, which Prometheus adds, left out)."""
    out: dict[str, set[str]] = {}
    for rule in RULES.read_text().split("- alert:")[1:]:
        expr = next(ln.strip() for ln in rule.splitlines() if ln.strip().startswith("expr:"))
        used = set(re.findall(r"\$labels\.([a-z_]+)", rule))
        used |= {g.strip() for m in _BY.finditer(expr) for g in m.group(1).split(",")}
        for m in _SELECTOR.finditer(expr):
            selected = {kv.split("=")[0].strip().rstrip("!~")
                        for kv in (m.group(2) or "").split(",") if kv.strip()}
            out.setdefault(m.group(1), set()).update(selected | used)
    for labels in out.values():
        labels -= {"instance", "job"}
    return out


def assert_exported(m: mu.Metrics, *, prefixes_absent: tuple[str, ...] = ()) -> int:
    """Every series the rules use (except those starting with one of
    `prefixes_absent`, which this deployment does not have) is in `m`, with
    its labels.  Returns how many were checked."""
    checked = 0
    for name, labels in wanted().items():
        if name.startswith(prefixes_absent):
            continue
        samples = m.all(name)
        assert samples, f"dist/sipproxy-alerts.yml uses {name}, which /metrics does not export"
        for lb, _ in samples:
            assert labels <= lb.keys(), \
                f"dist/sipproxy-alerts.yml uses labels {sorted(labels)} of {name}; /metrics has {lb}"
        checked += 1
    return checked
