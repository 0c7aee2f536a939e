"""Read a rendered HTML form the way a browser submits it, to post it back unchanged."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []
        self._fields: list[tuple[str, str]] | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._option: tuple[str | None, bool] | None = None
        self._option_text = ""
        self._textarea: str | None = None
        self._textarea_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        flags = {key for key, _value in attrs}
        if tag == "form":
            self._fields = []
            return
        if self._fields is None or "disabled" in flags:
            return
        name = attr.get("name", "")
        if tag == "input" and name:
            kind = attr.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in flags:
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self._fields.append((name, attr.get("value", default)))
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            self._option = (attr.get("value"), "selected" in flags)
            self._option_text = ""
        elif tag == "textarea" and name:
            self._textarea, self._textarea_text = name, ""

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option_text += data
        if self._textarea is not None:
            self._textarea_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option is not None:
            value, selected = self._option
            self._options.append((self._option_text.strip() if value is None else value, selected))
            self._option = None
        elif tag == "select" and self._select is not None and self._fields is not None:
            chosen = [value for value, selected in self._options if selected]
            # A single select with nothing marked submits its first option.
            if not chosen and self._options:
                chosen = [self._options[0][0]]
            self._fields.extend((self._select, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._fields is not None:
            # Browsers drop one leading newline of a textarea's content.
            self._fields.append((self._textarea, self._textarea_text.removeprefix("\n")))
            self._textarea = None
        elif tag == "form" and self._fields is not None:
            self.forms.append(self._fields)
            self._fields = None


def form_fields(html: str, containing: str) -> dict[str, list[str]]:
    """The fields the page's form with a field named ``containing`` would submit."""
    reader = _FormReader()
    reader.feed(html)
    for fields in reader.forms:
        if any(name == containing for name, _value in fields):
            submitted: dict[str, list[str]] = {}
            for name, value in fields:
                submitted.setdefault(name, []).append(value)
            return submitted
    raise AssertionError(f"No form with a field named {containing!r} on the page.")


def input_value(html: str, containing: str, name: str) -> str:
    """The single value the form would submit for ``name``."""
    values = form_fields(html, containing)[name]
    assert len(values) == 1, values
    return values[0]
