"""The form formats: every registered format provides the FormFormat protocol under its own key, and
the registry recognises a returned Word, Excel or PDF form by its content, whatever the file is called."""
import datetime as dt
import inspect

import pytest

from formgen.core.identity import Identity, new_code
from formgen.core.templates import template_path
from formgen.formats import registry
from formgen.formats.package import open_package
from formgen.forms.catalogue import available
from formgen.forms.view import prefill, view
from formgen.generate.roster import Citizen

IDA = Citizen("S-0001", "Ida Holm", "Jensen & Søn ApS", "Mette Berg", "Karl Nørgaard")
DATE = dt.date(2026, 11, 2)
KINDS = sorted(registry.FORMATS)
# The file a person fills on screen and sends back; a paper form comes back as a scan (tests/test_paper_intake.py),
# and its printable PDF itself is refused as a return (FG213).
FILLED_ON_SCREEN = [k for k in KINDS if k != "paper"]
PROTOCOL = ("KIND", "build_master", "personalise", "open_return", "identify", "read")
FUNCTIONS = PROTOCOL[1:]
SOURCE = "source"  # the protocol's name for the file as a format reads it (parts or bytes): each format names it


def make(ws, kind: str):
    """(file bytes, identity, definition) for one borger form of samtaleskema, written by the format itself."""
    d = available()["samtaleskema"].definition
    fmt = registry.get(kind)
    template = template_path("form.docx", ws) if kind == "docx" else None
    master = fmt.build_master(view(d, "borger"), ws.config.organisation, ws.logo, template, 1,
                              DATE.strftime("%d-%m-%Y"), blank=False)
    ident = Identity(new_code(), d.id, d.version, d.fingerprint, "borger", 1, IDA.citizen_ref)
    return fmt.personalise(master, ident, prefill(IDA, "borger", 1, DATE)), ident, d


@pytest.mark.parametrize("kind", KINDS)
def test_every_registered_format_provides_the_protocol_under_its_own_key(kind):
    fmt = registry.get(kind)
    assert [name for name in PROTOCOL if not hasattr(fmt, name)] == []
    assert set(PROTOCOL) <= set(fmt.__all__)
    assert fmt.KIND == kind
    assert isinstance(fmt, registry.FormFormat)
    assert all(callable(getattr(fmt, name)) for name in FUNCTIONS)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_format_function_takes_the_protocols_parameters_in_order(kind, function):
    want = list(inspect.signature(getattr(registry.FormFormat, function)).parameters.values())[1:]  # without self
    have = list(inspect.signature(getattr(registry.get(kind), function)).parameters.values())
    assert len(have) >= len(want)
    for w, h in zip(want, have):
        assert w.name == SOURCE or h.name == w.name, f"{kind}.{function}: {h.name} where the protocol has {w.name}"
        assert h.default == w.default, f"{kind}.{function}({h.name}): default {h.default!r}, protocol {w.default!r}"
    extras = have[len(want):]
    assert all(p.default is not inspect.Parameter.empty for p in extras), f"{kind}.{function}: extras need defaults"


@pytest.mark.parametrize("kind", FILLED_ON_SCREEN)
def test_a_returned_form_is_recognised_by_its_content_not_its_name(ws, kind):
    data, ident, d = make(ws, kind)
    opened = registry.open_return(data, "svar fra borger.bin")
    assert opened.kind == kind
    assert opened.props == ident.props()
    reading = opened.read(d, "borger")
    assert reading.props == ident.props()
    assert reading.meta["citizen"] == "Ida Holm (S-0001)"  # prefilled, read back
    assert {(a.key, a.field) for a in reading.answers} >= {(f.key, f.field) for f in d.fields("borger")}


@pytest.mark.parametrize("kind", FILLED_ON_SCREEN)
def test_identify_and_read_mean_the_same_in_every_format(ws, kind):
    data, ident, d = make(ws, kind)
    fmt = registry.get(kind)
    source = data if kind == "pdf" else open_package(data, f"f.{kind}").parts
    props, _visible = fmt.identify(source)
    assert props == ident.props()
    assert fmt.read(source, d, "borger").props == ident.props()
    given = fmt.read(source, d, "borger", identity=(props, ident.code))
    assert given.props == ident.props() and given.visible_code == ident.code
