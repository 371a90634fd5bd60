"""What makes a written document accessible: its language, its Danish metadata and pictures with alternative text."""
from __future__ import annotations

import re
from functools import cache

__all__ = ["LANG", "danish", "set_core", "picture", "form_title"]

LANG = "da-DK"  # Word checks spelling, screen readers pronounce and LibreOffice tags PDFs in this language
_LANG_TAG = re.compile(rb"<w:lang\b[^>]*>")
_LANG_ATTR = re.compile(rb'(w:(?:val|eastAsia))="[^"]*"')


def danish(styles: bytes) -> bytes:
    """A styles.xml whose languages are Danish: a workspace's template restyled in an English Word says en-US."""
    return _LANG_TAG.sub(lambda m: _LANG_ATTR.sub(rb'\1="' + LANG.encode() + rb'"', m.group(0)), styles)


def set_core(props, title: str, subject: str, author: str) -> None:
    """python-docx core properties for one document: Danish title and subject, the organisation as author."""
    props.title, props.subject, props.author, props.last_modified_by = title, subject, author, author
    props.language, props.comments, props.keywords = LANG, "", ""


def form_title(title: str, role_title: str, round_no: int | None) -> str:
    """'Opfølgning på forløb – Borger – runde 2': what the form is, for whom, which round."""
    return " – ".join([title, role_title] + ([f"runde {round_no}"] if round_no else []))


def picture(tpl, image, descr: str, **size):
    """docxtpl's inline picture with alternative text (wp:docPr descr), which Word and screen readers read."""
    return _picture_class()(tpl, image, descr, **size)


@cache
def _picture_class():
    from docxtpl import InlineImage  # here, so that the Excel and PDF writers do not load docxtpl

    class Picture(InlineImage):
        def __init__(self, tpl, image, descr: str, **size):
            super().__init__(tpl, image, **size)
            self.descr = descr

        def _insert_image(self):
            inline = self.tpl.current_rendering_part.new_pic_inline(self.image_descriptor, self.width, self.height)
            inline.docPr.set("descr", self.descr)
            return ("</w:t></w:r><w:r><w:drawing>%s</w:drawing></w:r><w:r>"
                    '<w:t xml:space="preserve">' % inline.xml)
    return Picture
