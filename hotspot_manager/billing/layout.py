"""The printed bill as HTML for Qt's QTextDocument (no Qt here, so it is testable alone).

Every piece of text that came from a person (business and customer names, addresses, plan
names, references, reasons) goes through ``html.escape``: a customer called ``<b>x</b>``
prints exactly that. Two layouts: a page (A4 or Letter) and an 80 mm receipt.
"""

from __future__ import annotations

from html import escape

from .accounts import BillingSettings
from .money import ZERO, format_amount
from .parse import format_hms, format_size
from .text import date_text, month_name, rate_text, w
from .views import DocView

LOGO_URL = "hm-logo://logo"  # the renderer registers the image under this name
_NOWRAP = ' style="white-space: nowrap"'  # numbers never break across lines

_CSS = """
body { color: #1a1a1a; }
td, th { vertical-align: top; }
.muted { color: #5f6368; }
.small { font-size: 8pt; }
.title { font-size: 17pt; font-weight: bold; color: #0b4f71; }
.biz { font-size: 12.5pt; font-weight: bold; }
.due { font-size: 12pt; font-weight: bold; }
.section { font-size: 10pt; font-weight: bold; color: #0b4f71; }
th { background-color: #e8eef2; color: #1a1a1a; font-weight: bold; }
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _lines_html(text: str) -> str:
    """Escaped multi-line text (addresses) with line breaks kept."""
    return "<br>".join(_e(part) for part in str(text).splitlines() if part.strip())


def _money(amount, currency: str | None = None) -> str:
    text = format_amount(amount)
    return f"{text} {currency}" if currency else text


def title(doc: DocView, lang: str) -> str:
    word = w(lang, "invoice") if doc.series == "F" else w(lang, "credit_note")
    return f"{word} {w(lang, 'number')} {doc.number}"


def _period_lines(doc: DocView, lang: str) -> tuple[str, str]:
    if doc.month is None or doc.period_start is None or doc.period_end is None:
        return "", ""
    a = date_text(lang, doc.period_start)
    b = date_text(lang, doc.period_end - 1)
    return month_name(lang, doc.month), f"{a} – {b}"


def _header_rows(doc: DocView, lang: str) -> list[tuple[str, str, str]]:
    """(label, value, a second smaller line or "")."""
    rows = [(w(lang, "issued"), date_text(lang, doc.issued_at), "")]
    if doc.series == "F":
        rows.append((w(lang, "period"), *_period_lines(doc, lang)))
    else:
        rows.append((w(lang, "refers_to"), f"{w(lang, 'number')} {doc.refers_to}", ""))
    rows.append((w(lang, "currency"), doc.currency, ""))
    if doc.series == "F":
        if doc.rates:
            for c, info in sorted(doc.rates.items()):
                one = rate_text(lang, doc.currency, {c: {**info, "since": None}})
                since = rate_text(lang, doc.currency, {c: info})[len(one) :].strip(" ()")
                rows.append((w(lang, "rate"), one, since))
        else:
            rows.append((w(lang, "rate"), w(lang, "rate_none"), ""))
    return rows


def _totals_rows(doc: DocView, lang: str) -> list[tuple[str, str, bool]]:
    c = doc.currency
    if doc.series == "R":
        return [(w(lang, "total"), _money(doc.total, c), True)]
    rows = []
    if doc.tax != ZERO:
        rows.append((w(lang, "subtotal"), _money(doc.subtotal, c), False))
        rows.append((w(lang, "tax"), _money(doc.tax, c), False))
    rows.append((w(lang, "total_month"), _money(doc.total, c), True))
    rows.append((w(lang, "previous_balance"), _money(doc.previous_balance, c), False))
    if doc.payments != ZERO:
        rows.append((w(lang, "payments"), _money(-doc.payments, c), False))
    if doc.credits != ZERO:
        rows.append((w(lang, "credits"), _money(-doc.credits, c), False))
    if doc.amount_due >= 0:
        rows.append((w(lang, "amount_due"), _money(doc.amount_due, c), True))
    else:
        rows.append((w(lang, "credit_balance"), _money(-doc.amount_due, c), True))
    return rows


def _usage_items(doc: DocView, lang: str) -> list[str]:
    s = doc.summary
    if not s:
        return []
    items = []
    local_note = w(lang, "local_billed") if s.get("bill_local") else w(lang, "local_not_billed")
    items.append(
        f"{w(lang, 'internet_data')}: {format_size(int(s.get('internet_bytes', 0)))} · "
        f"{w(lang, 'local_data')}: {format_size(int(s.get('local_bytes', 0)))} ({local_note})"
    )
    items.append(
        f"{w(lang, 'online')}: {format_hms(int(s.get('online_seconds', 0)))} "
        f"({s.get('sessions', 0)} {w(lang, 'sessions')})"
    )
    out = s.get("outages") or {}
    if out.get("count"):
        items.append(f"{w(lang, 'outages')}: {out['count']} ({format_hms(int(out['seconds']))})")
    else:
        items.append(f"{w(lang, 'outages')}: {w(lang, 'outage_none')}")
    for p in s.get("packs", []):
        if "allowance_seconds" in p:
            used, left = format_hms(p["used"]), format_hms(p["remaining"])
        else:
            used, left = format_size(p["used"]), format_size(p["remaining"])
        exp = date_text(lang, p["expires_at"], with_time=True)
        gone = p["remaining"] == 0 or p["expires_at"] <= (doc.period_end or 0)
        word = (
            w(lang, "expired") if p["expires_at"] <= (doc.period_end or 0) else w(lang, "expires")
        )
        items.append(
            f"{w(lang, 'packs')}: {p['plan']} — {w(lang, 'used')} {used}"
            + ("" if gone else f", {w(lang, 'remaining')} {left}")
            + f"; {word} {exp}"
        )
    if s.get("unbilled_bytes") or s.get("unbilled_seconds"):
        items.append(
            f"{w(lang, 'unbilled')}: {format_size(int(s.get('unbilled_bytes', 0)))}, "
            f"{format_hms(int(s.get('unbilled_seconds', 0)))}"
        )
    if s.get("devices"):
        items.append(f"{w(lang, 'devices')}: {', '.join(s['devices'])}")
    return items


def _business(settings: BillingSettings, lang: str, logo: bool, receipt: bool) -> str:
    parts = []
    if logo:
        size = 'height="42"' if receipt else 'height="64"'
        parts.append(f'<img src="{LOGO_URL}" {size}><br>')
    if settings.business_name:
        parts.append(f'<span class="biz">{_e(settings.business_name)}</span><br>')
    if settings.business_address:
        parts.append(f'<span class="small">{_lines_html(settings.business_address)}</span><br>')
    extra = []
    if settings.business_phone:
        extra.append(f"{w(lang, 'phone')} {_e(settings.business_phone)}")
    if settings.business_tax_id:
        extra.append(f"{w(lang, 'tax_id')} {_e(settings.business_tax_id)}")
    if extra:
        parts.append(f'<span class="small">{" · ".join(extra)}</span>')
    return "".join(parts)


def page_html(doc: DocView, settings: BillingSettings, lang: str, *, logo: bool = False) -> str:
    """A4 / Letter layout."""
    h = [f"<html><head><style>{_CSS}</style></head><body>"]
    # header: business on the left, the document's title on the right
    h.append(
        '<table width="100%" cellspacing="0" cellpadding="0"><tr>'
        f'<td width="60%">{_business(settings, lang, logo, receipt=False)}</td>'
        f'<td width="40%" align="right"><span class="title">{_e(title(doc, lang))}</span>'
        "</td></tr></table>"
    )
    # then the customer on the left and the document's facts on the right
    cust = [f"<b>{_e(doc.customer_name)}</b>"]
    if doc.customer_phone:
        cust.append(f"{w(lang, 'phone')} {_e(doc.customer_phone)}")
    cust.append(f'<span class="muted">{w(lang, "customer_no")} {doc.customer_id}</span>')
    facts = "".join(
        f'<tr><td class="muted" align="right" style="white-space: nowrap">{_e(k)}:&nbsp;</td>'
        f'<td align="right" style="white-space: nowrap">{_e(v)}'
        + (f'<br><span class="small muted">{_e(more)}</span>' if more else "")
        + "</td></tr>"
        for k, v, more in _header_rows(doc, lang)
    )
    h.append(
        '<table width="100%" cellspacing="0" cellpadding="0" style="margin-top: 14px;"><tr>'
        f'<td width="45%"><span class="section">{w(lang, "customer")}</span><br>'
        f"{'<br>'.join(cust)}</td>"
        f'<td width="55%" align="right"><table cellspacing="0" cellpadding="2">{facts}</table>'
        "</td></tr></table>"
    )
    # lines
    h.append(
        '<table width="100%" cellspacing="0" cellpadding="5" '
        'style="border-collapse: collapse; margin-top: 8px;">'
        "<thead><tr>"
        f'<th align="left">{w(lang, "concept")}</th>'
        f'<th align="right" width="15%">{w(lang, "quantity")}</th>'
        f'<th align="right" width="14%">{w(lang, "unit_price")}</th>'
        f'<th align="right" width="15%">{w(lang, "amount")}<br>({doc.currency})</th>'
        "</tr></thead>"
    )
    for i, ln in enumerate(doc.lines):
        bg = ' bgcolor="#f6f8f9"' if i % 2 else ""
        h.append(
            f"<tr{bg}><td>{_e(ln.description)}</td>"
            f'<td align="right"{_NOWRAP}>{_e(ln.quantity_text)}</td>'
            f'<td align="right"{_NOWRAP}>{_e(ln.unit_price_text)}</td>'
            f'<td align="right"{_NOWRAP}>{_e(format_amount(ln.amount))}</td></tr>'
        )
    if not doc.lines:
        h.append(f'<tr><td colspan="4" class="muted">{w(lang, "no_lines")}</td></tr>')
    h.append("</table>")
    # totals, right-aligned
    rows = "".join(
        f'<tr><td align="right"{" class=due" if strong else ""}>{_e(k)}</td>'
        f'<td align="right" width="130"{" class=due" if strong else ""}>{_e(v)}</td></tr>'
        for k, v, strong in _totals_rows(doc, lang)
    )
    h.append(
        '<table width="100%" cellspacing="0" cellpadding="3" style="margin-top: 6px;">'
        f'<tr><td width="40%"></td><td width="60%"><table width="100%" cellspacing="0" '
        f'cellpadding="3" style="border-top: 1px solid #0b4f71;">{rows}</table></td></tr></table>'
    )
    if doc.series == "R" and doc.reason:
        h.append(f"<p><b>{w(lang, 'reason')}:</b> {_e(doc.reason)}</p>")
    # payments counted on this invoice
    if doc.payment_list:
        h.append(f'<p class="section" style="margin-top:12px">{w(lang, "payments_received")}</p>')
        h.append(
            '<table width="100%" cellspacing="0" cellpadding="4" '
            'style="border-collapse: collapse;">'
            f'<thead><tr><th align="left">{w(lang, "date")}</th>'
            f'<th align="left">{w(lang, "method")}</th>'
            f'<th align="left">{w(lang, "reference")}</th>'
            f'<th align="right">{w(lang, "amount")}</th>'
            f'<th align="right">{w(lang, "applied")} ({doc.currency})</th></tr></thead>'
        )
        for p in doc.payment_list:
            h.append(
                f"<tr><td>{_e(date_text(lang, p.received_at, with_time=True))}</td>"
                f"<td>{_e(w(lang, p.method))}</td><td>{_e(p.reference or '')}</td>"
                f'<td align="right">{_e(_money(p.amount, p.currency))}'
                + (f'<br><span class="small muted">{_e(p.rate)}</span>' if p.rate else "")
                + "</td>"
                f'<td align="right">{_e(format_amount(p.applied))}</td></tr>'
            )
        h.append("</table>")
    # usage summary
    items = _usage_items(doc, lang)
    if items:
        h.append(f'<p class="section" style="margin-top:12px">{w(lang, "usage")}</p>')
        h.append('<p class="small" style="margin-top:0">' + "<br>".join(_e(i) for i in items))
        h.append("</p>")
    footer = settings.footer
    h.append(f'<p class="small muted" style="margin-top:16px">{_e(w(lang, "immutable"))}')
    if footer:
        h.append(f"<br>{_lines_html(footer)}")
    h.append("</p></body></html>")
    return "".join(h)


def receipt_html(doc: DocView, settings: BillingSettings, lang: str, *, logo: bool = False) -> str:
    """80 mm thermal-printer layout: one narrow column, black only."""
    h = [
        "<html><head><style>body { color: #000; } td { vertical-align: top; }"
        ".b { font-weight: bold; } .big { font-size: 11pt; font-weight: bold; }"
        ".biz { font-size: 9pt; font-weight: bold; }</style>"
        '</head><body><div align="center">'
    ]
    h.append(_business(settings, lang, logo, receipt=True))
    h.append(f'<br><span class="big">{_e(title(doc, lang))}</span></div>')
    h.append(
        "<p>"
        + "<br>".join(
            f"{_e(k)}: {_e(v)}" + (f" ({_e(more)})" if more else "")
            for k, v, more in _header_rows(doc, lang)
        )
    )
    h.append(f"<br>{w(lang, 'customer')}: <b>{_e(doc.customer_name)}</b></p>")
    h.append('<hr><table width="100%" cellspacing="0" cellpadding="1">')
    for ln in doc.lines:
        detail = " · ".join(t for t in (ln.quantity_text, ln.unit_price_text) if t)
        amount = f'<td align="right">{_e(format_amount(ln.amount))}</td>'
        if detail:
            h.append(f'<tr><td colspan="2">{_e(ln.description)}</td></tr>')
            h.append(f"<tr><td>{_e(detail)}</td>{amount}</tr>")
        else:
            h.append(f"<tr><td>{_e(ln.description)}</td>{amount}</tr>")
    if not doc.lines:
        h.append(f'<tr><td colspan="2">{w(lang, "no_lines")}</td></tr>')
    h.append("</table><hr>")
    h.append('<table width="100%" cellspacing="0" cellpadding="1">')
    for k, v, strong in _totals_rows(doc, lang):
        cls = ' class="b"' if strong else ""
        h.append(f'<tr><td{cls}>{_e(k)}</td><td align="right"{cls}>{_e(v)}</td></tr>')
    h.append("</table>")
    for p in doc.payment_list:
        h.append(
            f"<p>{_e(date_text(lang, p.received_at, with_time=True))} "
            + " ".join(_e(x) for x in (w(lang, p.method), p.reference or "") if x)
            + f": {_e(_money(p.amount, p.currency))}"
            + (f" ({_e(p.rate)})" if p.rate else "")
            + "</p>"
        )
    if doc.series == "R" and doc.reason:
        h.append(f"<p>{w(lang, 'reason')}: {_e(doc.reason)}</p>")
    items = _usage_items(doc, lang)
    if items:
        h.append("<hr><p>" + "<br>".join(_e(i) for i in items) + "</p>")
    h.append(f'<p align="center">{_e(w(lang, "immutable"))}</p></body></html>')
    return "".join(h)
