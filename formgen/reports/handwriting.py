"""Handwritten text answers of scanned paper forms, as pictures where a typed answer would stand."""
from __future__ import annotations

from formgen.formats.word import Png
from formgen.reports.citizen_context import WHO
from formgen.store import db as store
from formgen.store import scans

__all__ = ["WIDTH_MM", "with_handwriting"]

WIDTH_MM = 150.0  # the printed area was ~180 mm wide: a little smaller, still legible


def with_handwriting(ws, ref: str, groups: list[dict]) -> list[dict]:
    """The report's text groups with the citizen's handwritten answers added to their indicator's group."""
    engine = store.connect(ws.db, ws.unit)
    try:
        crops = [(r, scans.crop(engine, r["id"])[1]) for r in scans.text_crops(engine, ref)]
    finally:
        engine.dispose()
    out = [dict(g, answers=list(g["answers"])) for g in groups]
    for r, png in crops:
        block, _, field = r["label"].partition(" › ")
        group = next((g for g in out if g["label"] == block), None)
        if group is None:
            group = {"label": block, "answers": []}
            out.append(group)
        group["answers"].append({"who": WHO.get(r["role"], r["role"]), "round": int(r["round"] or 0), "field": field,
                                 "text": Png(png, WIDTH_MM, f"Håndskrevet svar fra et scannet skema: {r['label']}")})
    return out
