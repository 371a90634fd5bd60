"""A readable plain-text outline of a form definition (for `formgen forms show`)."""
from __future__ import annotations

from formgen.forms.definition import ROLE_TITLES, FormDefinition

__all__ = ["outline"]


def outline(d: FormDefinition) -> str:
    """Title, scale, respondents, then every section, item, text section and group."""
    out = [f"{d.title}  [{d.id} v{d.version}, {d.kind}, fingerprint {d.fingerprint}]"]
    if d.intro:
        out.append(f"  {d.intro}")
    out.append(f"Respondents: {', '.join(ROLE_TITLES[r] for r in d.respondents)}")
    out.append(f"Scale: 1-{d.scale.steps}" + (" + Ved ikke" if d.scale.dont_know else ""))
    out += [f"  {b.steps:>5}  {b.text}" for b in d.scale.bands()]
    for sec in d.sections:
        out.append(f"\n{sec.title}")
        for it in sec.items:
            only = f"  (only {', '.join(it.respondents)})" if it.respondents else ""
            out.append(f"  {it.key}: {it.label}  [{', '.join(it.marks)}]{only}")
            for role in d.roles_for(it.respondents):
                out.append(f"    {role}: {it.wording(role)}")
            out += [f"    ? {h}" for h in it.help]
            out += [f"    text {t.key}: {t.label}" for t in it.texts]
            if it.evidence:
                out.append(f"    evidence: {it.evidence}")
    for sec in d.texts:
        only = f"  (only {', '.join(sec.respondents)})" if sec.respondents else ""
        out.append(f"\n{sec.title}  [{sec.key}]{only}")
        out += [f"  {f.key}: {f.label} ({f.type})" for f in sec.fields]
    for g in d.groups:
        out.append(f"\n{g.title}  [{g.key}_1 … {g.key}_{g.rows}: kompetence, now (niveau), sted, dato]")
    return "\n".join(out)
