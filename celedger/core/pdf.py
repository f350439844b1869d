"""PDF rendering with WeasyPrint, shared by certificates, transcripts and posters.

One FontConfiguration and one fetcher per process: reusing them roughly halves the
cost of a page (NOTES.md). Only embedded `data:` resources load, so a template can
never make the server fetch a URL.
"""

import base64
from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from typing import Any

from django.template.loader import render_to_string


@cache
def _weasy() -> tuple[Any, Any]:
    # Imported lazily: WeasyPrint's first import costs about a second.
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    return FontConfiguration(), URLFetcher(allowed_protocols={"data"})


def _stylesheet(template_name: str) -> Any:
    """A style sheet kept in a template (no variables), parsed once per process for each
    text it has (`_parsed`): an edited sheet is parsed anew where Django reloads
    templates (`make run`)."""
    return _parsed(render_to_string(template_name))


@lru_cache(maxsize=16)
def _parsed(css: str) -> Any:
    """WeasyPrint parses a document's `<style>` and builds its selector matcher on every
    render (a tenth of a certificate's); a sheet given as a user style sheet is parsed
    once. It loses its `@page` rules (WeasyPrint collects those from the document's own
    sheets only): the document keeps its `@page` rule in its `<style>`."""
    from weasyprint import CSS

    font_config, fetcher = _weasy()
    return CSS(string=css, base_url="data:,", url_fetcher=fetcher, font_config=font_config)


def html_to_pdf(
    html: str,
    *,
    stylesheets: Sequence[str] = (),
    on_laid_out: Callable[[int], None] | None = None,
) -> bytes:
    """The PDF of `html`, styled also by `stylesheets` (templates, parsed once per
    process: `_stylesheet`); `on_laid_out(pages)` runs between layout and writing (a
    background build reports its stage with it)."""
    from weasyprint import HTML

    font_config, fetcher = _weasy()
    source = HTML(string=html, base_url="data:,", url_fetcher=fetcher)
    sheets = [_stylesheet(name) for name in stylesheets]
    document = source.render(font_config=font_config, stylesheets=sheets)
    if on_laid_out is not None:
        on_laid_out(len(document.pages))
    pdf: bytes = document.write_pdf()
    return pdf


def render_pdf(
    template_name: str, context: dict[str, Any], *, stylesheets: Sequence[str] = ()
) -> bytes:
    return html_to_pdf(render_to_string(template_name, context), stylesheets=stylesheets)


def data_url(content: bytes, mime_type: str) -> str:
    """Embed bytes (a QR code, a logo) as a `data:` URL that the renderer accepts."""
    return f"data:{mime_type};base64,{base64.b64encode(content).decode('ascii')}"


# Sample pages the apps register (`warm_up_page`) so a worker's first real render costs
# what the later ones do: each returns the HTML of a representative document, rendered
# with its style sheets.
_warm_up_pages: dict[Callable[[], str], tuple[str, ...]] = {}


def warm_up_page(page: Callable[[], str], *, stylesheets: Sequence[str] = ()) -> None:
    """Register a sample document for `warm_up` (from an app's `ready()`)."""
    _warm_up_pages[page] = tuple(stylesheets)


def warm_up() -> None:
    """Render one tiny page, then every registered sample document: loads WeasyPrint, the
    fonts and faces the documents use, the font subsetter, the image decoders, Django's
    template engine, the documents' compiled templates and their parsed style sheets
    (gunicorn calls this at worker start; a tiny page alone left 100 ms of that to the
    first certificate)."""
    html_to_pdf("<p>CE Ledger</p>")
    for page, stylesheets in _warm_up_pages.items():
        html_to_pdf(page(), stylesheets=stylesheets)
    _warm_up_subsetter()


def _warm_up_subsetter(most_glyphs: int = 256) -> None:
    # WeasyPrint's font subsetter declares an array type per glyph count
    # (`hb_codepoint_t[N]`), and cffi parses each new one with pycparser (about 2 ms):
    # up to three new counts a document, paid by the first learners. Declared here once.
    from weasyprint.text.ffi import ffi

    for count in range(1, most_glyphs + 1):
        ffi.typeof(f"hb_codepoint_t[{count}]")
