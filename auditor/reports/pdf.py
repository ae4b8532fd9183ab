"""The HTML report as a PDF, rendered by WeasyPrint (pango does the text layout)."""

from __future__ import annotations

from typing import Any

from auditor.errors import ConfigError


def html_to_pdf(document: str) -> bytes:
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as exc:  # OSError: pango/cairo system libraries missing
        raise ConfigError(
            f"PDF export needs WeasyPrint and its system libraries (pango): {exc}. "
            "Export --format html and print it to PDF from a browser instead."
        ) from None

    class NoFetching(URLFetcher):
        """The report is self-contained: anything that asks to load a resource is refused."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"the report does not load external resources ({url})")

    pdf: bytes = HTML(string=document, url_fetcher=NoFetching()).write_pdf()
    return pdf
