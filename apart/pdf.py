"""The one place that turns HTML into PDF: WeasyPrint, imported when a PDF is made, so that Pango (a system
library) is loaded only by what prints, and `make run` works on a machine without it."""


def pdf_from_html(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()
