"""How a return compares with the earlier counted returns of the same form: duplicate, newer version or conflict."""
from __future__ import annotations

__all__ = ["judge_answers"]


def judge_answers(answers):
    """How a return compares with the earlier counted returns of the same form (store_reading's judge).

    Identical answers: a duplicate (another copy or format of the same return). A kompetencekort
    whose every earlier answer is unchanged and which adds some: the newer version of the one card
    counted (the mentor keeps the sheet and sends it after each assessment). Anything else: a conflict."""
    mine = frozenset((a.key, a.field, a.value) for a in answers if a.value is not None)

    def judge(earlier: list[dict], kind: str):
        same = next((e for e in earlier if e["answers"] == mine), None)
        if same is not None:
            return "duplicate", (), ("same", same, frozenset())
        if kind == "kompetencekort" and len(earlier) == 1 and earlier[0]["status"] == "imported" \
                and earlier[0]["answers"] < mine:
            return "imported", (earlier[0]["id"],), ("newer", earlier[0], mine - earlier[0]["answers"])
        first = next((e for e in earlier if e["status"] == "imported"), earlier[0])
        return "conflict", (), ("conflict", first, frozenset())

    return judge
