"""Semantic checks of references: scorecards → indicators, conditions → fields, segment names.

Each unknown name is reported where it is written, with a did-you-mean over the names that are
valid *there* (a segment rule cannot test the health score, which is computed after segments).
Like the other semantic checks these skip parts of the wrong shape: the schema reported them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crmscore.config.bands import bands_findings
from crmscore.config.conditions import condition_findings, template_findings
from crmscore.config.schema import Finding, Path, did_you_mean
from scoring.schemes import DEFAULT_BANDS
from scoring.segments import PRESETS

__all__ = ["indicator_keys", "reference_findings", "segment_names"]


def _num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _items(node: Any, key: str) -> list[tuple[int, dict[str, Any]]]:
    items = node.get(key) if isinstance(node, dict) else None
    return [(i, d) for i, d in enumerate(items) if isinstance(d, dict)] if isinstance(items, list) else []


def indicator_keys(doc: Any) -> list[str]:
    return [d["key"] for _, d in _items(doc, "indicators") if isinstance(d.get("key"), str)]


def segment_names(doc: Any) -> set[str] | None:
    """Every segment name the config can produce, or None when the segments part is malformed."""
    seg = doc.get("segments", {"kind": "preset", "preset": "rfm_rf_10"}) if isinstance(doc, dict) else None
    if not isinstance(seg, dict):
        return None
    kind = seg.get("kind")
    fixed = {seg.get("no_purchases", "No Purchases")}
    if kind == "preset" and seg.get("preset") in PRESETS:
        return {r.name for r in PRESETS[seg["preset"]]} | fixed | {seg.get("otherwise", "Others")}
    if kind == "rules":
        return {r["name"] for _, r in _items(seg, "rules") if isinstance(r.get("name"), str)} | fixed | {
            seg.get("otherwise", "Others")
        }
    if kind == "value_tiers":
        given = seg.get("names")
        names: dict[str, Any] = given if isinstance(given, dict) else {}
        return fixed | {
            names.get("high_value", "High value"),
            names.get("potential", "Potential"),
            names.get("low_value", "Low value"),
        }
    return None


def _unknown(name: str, known: list[str] | set[str], what: str, path: Path) -> Finding:
    return Finding(path, f"unknown {what} {name!r}{did_you_mean(name, sorted(known))}")


def _implicit_weights(doc: dict[str, Any]) -> Iterator[Finding]:
    indicators = _items(doc, "indicators")
    weights = [d.get("weight") for _, d in indicators]
    if indicators and all(_num(w) for w in weights) and all(w == 0 for w in weights):
        yield Finding(("indicators",), "every indicator has weight 0, so nobody would get a health score", at_key=True)


def _scorecards(doc: dict[str, Any], keys: list[str]) -> Iterator[Finding]:
    cards = _items(doc, "scorecards")
    if not cards:
        if isinstance(doc.get("indicators"), list):
            yield from _implicit_weights(doc)
        return
    for i, ind in _items(doc, "indicators"):
        if "weight" in ind:
            yield Finding(
                ("indicators", i, "weight"),
                "with scorecards, weights are set in the scorecard groups; remove this weight",
            )
    seen: dict[str, int] = {}
    defaults = [i for i, c in cards if c.get("default") is True]
    if not defaults and isinstance(doc.get("scorecards"), list):
        yield Finding(("scorecards",), "no scorecard is the default; set `default: true` on one", at_key=True)
    for i in defaults[1:]:
        yield Finding(("scorecards", i, "default"), f"only one scorecard can be the default (also scorecards[{defaults[0]}])")
    segments = segment_names(doc)
    for i, card in cards:
        path: Path = ("scorecards", i)
        key = card.get("key")
        if isinstance(key, str):
            if key in seen:
                yield Finding(path + ("key",), f"duplicate scorecard key {key!r} (also scorecards[{seen[key]}])")
            seen.setdefault(key, i)
        if card.get("default") is True and "when" in card:
            yield Finding(path + ("when",), "the default scorecard applies to everyone else; remove `when`", at_key=True)
        if card.get("default") is not True and "when" not in card:
            yield Finding(path, "this scorecard applies to nobody: give it `when` criteria or make it the default", at_key=True)
        when = card.get("when")
        if isinstance(when, dict) and segments is not None and isinstance(when.get("segments"), list):
            for j, name in enumerate(when["segments"]):
                if isinstance(name, str) and name not in segments:
                    yield _unknown(name, segments, "segment", path + ("when", "segments", j))
        scheme = card.get("scheme")
        if isinstance(scheme, dict):
            yield from bands_findings(scheme.get("bands"), path + ("scheme", "bands"))
        yield from _groups(card, path, keys)


#: Refused rather than ignored: a weight left on a worst-of group reads as "this group counts more",
#: which is exactly what worst_of does not do (as with indicator weights under scorecards).
_WORST_OF_WEIGHT = (
    "with `aggregate: worst_of` the lowest group score alone is the health score, "
    "so group weights are not used; remove this weight"
)


def _groups(card: dict[str, Any], path: Path, keys: list[str]) -> Iterator[Finding]:
    group_keys: dict[str, int] = {}
    used: dict[str, Path] = {}
    total = 0.0
    worst_of = card.get("aggregate") == "worst_of"
    for g, group in _items(card, "groups"):
        gpath = path + ("groups", g)
        gkey = group.get("key")
        if isinstance(gkey, str):
            if gkey in group_keys:
                yield Finding(gpath + ("key",), f"duplicate group key {gkey!r} (also groups[{group_keys[gkey]}])")
            group_keys.setdefault(gkey, g)
        inner = 0.0
        for j, ref in _items(group, "indicators"):
            name = ref.get("indicator")
            weight = ref.get("weight", 1)
            inner += weight if _num(weight) else 0.0
            if not isinstance(name, str):
                continue
            rpath = gpath + ("indicators", j, "indicator")
            if name not in keys:
                yield _unknown(name, keys, "indicator", rpath)
            elif name in used:
                yield Finding(rpath, f"indicator {name!r} is already in this scorecard (at {_show(used[name], path)})")
            used.setdefault(name, rpath)
        group_weight = group.get("weight", 1)
        if worst_of and "weight" in group:
            yield Finding(gpath + ("weight",), _WORST_OF_WEIGHT)
            group_weight = 1  # said once: the weight is the problem, not an empty scorecard
        if _num(group_weight) and group_weight > 0 and inner == 0 and isinstance(group.get("indicators"), list):
            yield Finding(gpath + ("indicators",), f"every indicator of group {gkey!r} has weight 0; the group would score nothing", at_key=True)
        total += group_weight * (1 if inner > 0 else 0) if _num(group_weight) else 0.0
    if total == 0 and _items(card, "groups"):
        yield Finding(path + ("groups",), f"scorecard {card.get('key')!r} is empty: no group has both a weight and weighted indicators", at_key=True)


def _show(path: Path, base: Path) -> str:
    rest = path[len(base) :]
    out = ""
    for part in rest[:-1]:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out.lstrip(".")


def _segments(doc: dict[str, Any], keys: list[str]) -> Iterator[Finding]:
    seg = doc.get("segments")
    if not isinstance(seg, dict):
        return
    measure = seg.get("measure")
    if seg.get("kind") == "value_tiers" and isinstance(measure, str) and measure not in keys:
        yield _unknown(measure, keys, "indicator", ("segments", "measure"))
    for i, rule in _items(seg, "rules"):
        if "when" in rule:
            yield from condition_findings(rule["when"], ("segments", "rules", i, "when"), keys, for_segments=True)


def _band_names(doc: dict[str, Any]) -> set[str] | None:
    names: set[str] = set()
    lists = [doc.get("bands")] + [c.get("scheme", {}).get("bands") if isinstance(c.get("scheme"), dict) else None for _, c in _items(doc, "scorecards")]
    for bands in lists:
        if isinstance(bands, list):
            names |= {b["name"] for b in bands if isinstance(b, dict) and isinstance(b.get("name"), str)}
    if "bands" not in doc:
        names |= {b.name for b in DEFAULT_BANDS}
    return names or None


def _known_values(doc: dict[str, Any]) -> dict[str, set[str]]:
    known: dict[str, set[str]] = {}
    bands, segments = _band_names(doc), segment_names(doc)
    if bands is not None:
        known["band"] = bands
    if segments is not None:
        known["segment"] = segments
    cards = _items(doc, "scorecards")
    known["scorecard"] = {c["key"] for _, c in cards if isinstance(c.get("key"), str)} if cards else {"default"}
    return known


def _alerts(doc: dict[str, Any], keys: list[str]) -> Iterator[Finding]:
    known = _known_values(doc)
    seen: dict[str, int] = {}
    for i, rule in _items(doc, "alerts"):
        path: Path = ("alerts", i)
        key = rule.get("key")
        if isinstance(key, str):
            if key in seen:
                yield Finding(path + ("key",), f"duplicate alert rule key {key!r} (also alerts[{seen[key]}])")
            seen.setdefault(key, i)
        if "when" in rule:
            yield from condition_findings(rule["when"], path + ("when",), keys, known=known)
        if isinstance(rule.get("message"), str):
            yield from template_findings(rule["message"], path + ("message",), keys)
        for j, action in _items(rule, "actions"):
            if isinstance(action.get("subject"), str):
                yield from template_findings(action["subject"], path + ("actions", j, "subject"), keys)


def reference_findings(doc: Any) -> list[Finding]:
    """Every reference problem in ``doc`` (which may also break the schema)."""
    if not isinstance(doc, dict):
        return []
    keys = indicator_keys(doc)
    return [*_scorecards(doc, keys), *_segments(doc, keys), *_alerts(doc, keys)]
