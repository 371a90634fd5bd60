"""Form definitions: presets load, bad definitions explain where, what and how to fix."""
import textwrap

import pytest

from formgen.core.errors import FormgenError
from formgen.forms.catalogue import available, parse

PRESETS = {"samtaleskema", "opfoelgning", "kompetencekort", "praktik-trivsel", "bip-inspireret"}


def messages(yaml_text: str) -> str:
    with pytest.raises(FormgenError) as exc:
        parse(textwrap.dedent(yaml_text), "mit-skema.yaml")
    return str(exc.value)


MINIMAL = """
    id: mit-skema
    version: 1
    kind: survey
    title: Mit skema
    scale: {steps: 5, anchors: [a, b, c, d, e]}
    respondents: [borger]
    sections:
      - title: S
        items:
          - key: samarbejde
            label: Samarbejde
            question: Hvordan går samarbejdet?
"""


def test_the_five_presets_load_and_have_distinct_fingerprints():
    forms = available()
    assert set(forms) == PRESETS
    fingerprints = {lf.definition.fingerprint for lf in forms.values()}
    assert len(fingerprints) == 5


def test_opfoelgning_reuses_the_samtaleskema_item_keys_so_progression_links():
    forms = available()
    sam = [i.key for i in forms["samtaleskema"].definition.items]
    opf = [i.key for i in forms["opfoelgning"].definition.items]
    assert sam == opf and len(sam) == 5
    assert forms["samtaleskema"].definition.scale.steps == forms["opfoelgning"].definition.scale.steps


def test_opfoelgning_has_the_seven_conversation_questions_and_the_arbejdsaftale():
    d = available()["opfoelgning"].definition
    sections = {t.key: t for t in d.texts}
    assert len(sections["samtale"].fields) == 7
    assert {"timer_nu", "timer_naeste", "opgaver", "aendringer", "naeste_opfoelgning"} <= {
        f.key for f in sections["arbejdsaftale"].fields}


def test_bip_has_a_konsulent_only_item_with_evidence_notes():
    d = available()["bip-inspireret"].definition
    only = [i for i in d.items if i.respondents == ("konsulent",)]
    assert [i.key for i in only] == ["tro_paa_job_12_mdr"]
    assert all(i.evidence for i in d.items)
    assert "tro_paa_job_12_mdr" not in {f.key for f in d.fields("borger")}


def test_kompetencekort_rows_have_the_four_fields_and_four_groups():
    d = available()["kompetencekort"].definition
    assert [g.key for g in d.groups] == ["faglige", "almene", "personlige", "sproglige"]
    assert {f.field for f in d.fields("mentor") if f.key == "faglige_1"} == {"kompetence", "now", "sted", "dato"}


def test_every_step_has_an_anchor_text_in_every_preset():
    for lf in available().values():
        scale = lf.definition.scale
        covered = sorted(s for b in scale.bands() for s in range(b.span[0], b.span[1] + 1))
        assert covered == list(range(1, scale.steps + 1)), lf.definition.id


def test_minimal_definition_parses_with_defaults():
    d = parse(textwrap.dedent(MINIMAL))
    assert d.version == "1" and d.items[0].marks == ("now", "goal")
    assert [f.tag for f in d.fields("borger")] == ["fg:samarbejde:now", "fg:samarbejde:goal"]
    assert d.items[0].wording("borger") == "Hvordan går samarbejdet?"


def test_fingerprint_follows_what_reading_depends_on_not_question_wording():
    base = parse(textwrap.dedent(MINIMAL))
    reworded = parse(textwrap.dedent(MINIMAL.replace("Hvordan går samarbejdet?", "Hvordan går det?")))
    relabelled = parse(textwrap.dedent(MINIMAL.replace("label: Samarbejde", "label: Samspil")))
    rekeyed = parse(textwrap.dedent(MINIMAL.replace("key: samarbejde", "key: samspil")))
    rescaled = parse(textwrap.dedent(MINIMAL.replace("steps: 5, anchors: [a, b, c, d, e]",
                                                     "steps: 3, anchors: [a, b, c]")))
    assert base.fingerprint == reworded.fingerprint
    # labels matter: the reader finds rows by label when a program stripped the tags
    assert len({base.fingerprint, relabelled.fingerprint, rekeyed.fingerprint, rescaled.fingerprint}) == 4


def test_bad_key_names_the_path_line_and_fix():
    text = messages(MINIMAL.replace("key: samarbejde", "key: Sam Arbejde"))
    assert "mit-skema.yaml, sections[0].items[0].key (line 11)" in text
    assert "snake_case" in text and "[FG111]" in text


def test_wrong_number_of_anchors_says_how_many():
    text = messages(MINIMAL.replace("anchors: [a, b, c, d, e]", "anchors: [a, b]"))
    assert "2 anchor texts for a 5-step scale" in text and "scale" in text


def test_bands_must_cover_every_step_once():
    text = messages(MINIMAL.replace("anchors: [a, b, c, d, e]",
                                    "anchors: [{steps: 1-2, text: a}, {steps: 2-4, text: b}]"))
    assert "missing: [5]" in text and "covered twice: [2]" in text


def test_scale_outside_3_to_20_steps_is_refused():
    text = messages(MINIMAL.replace("steps: 5, anchors: [a, b, c, d, e]", "steps: 30, anchors: [a]"))
    assert "scale.steps" in text and "less than or equal to 20" in text


def test_unknown_field_is_named_with_advice():
    text = messages(MINIMAL + "            colour: red\n")
    assert "sections[0].items[0].colour" in text and "remove it or check the spelling" in text


def test_duplicate_keys_are_refused():
    dup = MINIMAL + """
          - key: samarbejde
            label: Igen
            question: Igen?
    """
    assert "key 'samarbejde' is used twice" in messages(dup)


def test_item_restricted_to_a_respondent_the_form_lacks_is_refused():
    text = messages(MINIMAL + "            respondents: [mentor]\n")
    assert "names respondents the form does not have" in text


def test_invalid_yaml_reports_line_and_column():
    text = messages("id: x\n  title: [unclosed\n")
    assert "FG110" in text and "line" in text


def test_text_answer_cannot_be_called_now():
    text = messages(MINIMAL + "            texts: [{key: now, label: Nu}]\n")
    assert "reserved for scores" in text


def test_text_answer_cannot_take_a_later_assessments_name():
    text = messages(MINIMAL + "            texts: [{key: now_2, label: Senere}]\n")
    assert "reserved for later kompetencekort assessments" in text
