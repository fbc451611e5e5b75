"""Words of the exports in Spanish (first) and English, and how lines are described.

Invoice lines are stored as a kind plus parameters, so the same issued invoice can be
printed in either language; the descriptions are made here.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .money import format_amount, format_price
from .parse import format_duration, format_hms, format_size

MONTHS = {
    "es": (
        "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
    ).split(),
    "en": (
        "January February March April May June July August September October November December"
    ).split(),
}

WORDS: dict[str, dict[str, str]] = {
    "es": {
        "invoice": "Factura",
        "credit_note": "Nota de crédito",
        "number": "N.º",
        "issued": "Fecha de emisión",
        "period": "Periodo",
        "customer": "Cliente",
        "customer_no": "Cliente n.º",
        "currency": "Moneda",
        "rate": "Tasa de cambio",
        "rate_none": "no se usó conversión",
        "since": "vigente desde",
        "concept": "Concepto",
        "quantity": "Cantidad",
        "unit_price": "Precio unitario",
        "amount": "Importe",
        "subtotal": "Subtotal",
        "tax": "Impuesto",
        "total_month": "Total del periodo",
        "total": "Total",
        "previous_balance": "Saldo anterior",
        "payments": "Pagos recibidos",
        "credits": "Notas de crédito",
        "amount_due": "Total a pagar",
        "credit_balance": "Saldo a su favor",
        "usage": "Consumo del periodo",
        "internet_data": "Datos de internet",
        "local_data": "Tráfico local",
        "local_not_billed": "no facturado",
        "local_billed": "facturado",
        "online": "Tiempo en línea",
        "sessions": "conexiones",
        "outages": "Cortes del enlace",
        "outage_none": "ninguno",
        "devices": "Dispositivos",
        "packs": "Paquetes",
        "used": "usado",
        "remaining": "queda",
        "expires": "vence",
        "expired": "venció",
        "unbilled": "Consumo fuera de plan y paquetes (no cobrado)",
        "payments_received": "Pagos registrados",
        "date": "Fecha",
        "method": "Forma de pago",
        "reference": "Referencia",
        "applied": "Aplicado",
        "page": "Página {page} de {pages}",
        "immutable": (
            "Documento emitido; no se modifica. Las correcciones se hacen con notas de crédito."
        ),
        "refers_to": "Rectifica la factura",
        "reason": "Motivo",
        "no_lines": "Sin cargos en este periodo.",
        "month_unit": "mes",
        "phone": "Tel.",
        "tax_id": "NIT",
        "cash": "Efectivo",
        "transfermovil": "Transfermóvil",
        "enzona": "EnZona",
        "other": "Otro",
    },
    "en": {
        "invoice": "Invoice",
        "credit_note": "Credit note",
        "number": "No.",
        "issued": "Issued",
        "period": "Period",
        "customer": "Customer",
        "customer_no": "Customer no.",
        "currency": "Currency",
        "rate": "Exchange rate",
        "rate_none": "no conversion used",
        "since": "in force since",
        "concept": "Description",
        "quantity": "Quantity",
        "unit_price": "Unit price",
        "amount": "Amount",
        "subtotal": "Subtotal",
        "tax": "Tax",
        "total_month": "Total for the period",
        "total": "Total",
        "previous_balance": "Previous balance",
        "payments": "Payments received",
        "credits": "Credit notes",
        "amount_due": "Amount due",
        "credit_balance": "Credit in your favour",
        "usage": "Usage in the period",
        "internet_data": "Internet data",
        "local_data": "Local traffic",
        "local_not_billed": "not billed",
        "local_billed": "billed",
        "online": "Time online",
        "sessions": "sessions",
        "outages": "Uplink outages",
        "outage_none": "none",
        "devices": "Devices",
        "packs": "Packs",
        "used": "used",
        "remaining": "left",
        "expires": "expires",
        "expired": "expired",
        "unbilled": "Usage outside any plan or pack (not charged)",
        "payments_received": "Payments recorded",
        "date": "Date",
        "method": "Method",
        "reference": "Reference",
        "applied": "Applied",
        "page": "Page {page} of {pages}",
        "immutable": "Issued document; never modified. Corrections are made with credit notes.",
        "refers_to": "Corrects invoice",
        "reason": "Reason",
        "no_lines": "No charges in this period.",
        "month_unit": "month",
        "phone": "Phone",
        "tax_id": "Tax ID",
        "cash": "Cash",
        "transfermovil": "Transfermóvil",
        "enzona": "EnZona",
        "other": "Other",
    },
}

ROUNDING_WORDS = {
    "es": {
        "second": "al segundo",
        "minute": "por minuto iniciado",
        "quarter": "por cuarto de hora iniciado",
    },
    "en": {
        "second": "to the second",
        "minute": "per started minute",
        "quarter": "per started quarter hour",
    },
}


def w(lang: str, key: str) -> str:
    return WORDS[lang][key]


def month_name(lang: str, label: str) -> str:
    y, m = int(label[:4]), int(label[5:7])
    return f"{MONTHS[lang][m - 1]} {y}" if lang == "es" else f"{MONTHS[lang][m - 1]} {y}"


def date_text(lang: str, t: int, with_time: bool = False) -> str:
    d = _dt.datetime.fromtimestamp(t)
    if lang == "es":
        return d.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")
    return d.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def _span(lang: str, p: Mapping[str, Any]) -> str:
    if p.get("whole_month", True):
        return ""
    a = date_text(lang, p["from"], with_time=p["from"] % 3600 != 0)
    # "until" is exclusive: show the last moment included as the day before midnight
    end = p["until"]
    b = date_text(lang, end - 1 if _midnight(end) else end, with_time=not _midnight(end))
    return f" ({a} – {b})"


def _midnight(t: int) -> bool:
    d = _dt.datetime.fromtimestamp(t)
    return d.hour == 0 and d.minute == 0 and d.second == 0


def quote(lang: str, text: str) -> str:
    return f"«{text}»" if lang == "es" else f"“{text}”"


def describe(lang: str, kind: str, p: Mapping[str, Any]) -> str:
    """One line's description (plain text; the renderer escapes it)."""
    es = lang == "es"
    plan = quote(lang, str(p.get("plan", "")))
    if kind == "plan":
        text = f"Tarifa plana {plan}" if es else f"Flat rate {plan}"
        if not p.get("whole_month", True):
            days = _days(p["seconds"])
            of = _days(p["month_seconds"])
            text += _span(lang, p)
            text += f", prorrateo {days} de {of} días" if es else f", pro rata {days} of {of} days"
        return text
    if kind == "data":
        text = (f"Datos de internet, plan {plan}" if es else f"Internet data, plan {plan}") + (
            _span(lang, p)
        )
        if p.get("tiers", 1) > 1:
            lo = format_size(int(p.get("tier_from_bytes") or 0))
            hi = p.get("tier_to_bytes")
            if not p.get("tier_from_bytes"):
                rng = f"hasta {format_size(hi)}" if es else f"up to {format_size(hi)}"
            elif hi is None:
                rng = f"más de {lo}" if es else f"over {lo}"
            else:
                rng = f"de {lo} a {format_size(hi)}" if es else f"{lo} to {format_size(hi)}"
            text += f" — tramo {p['tier']}: {rng}" if es else f" — tier {p['tier']}: {rng}"
        return text
    if kind == "time":
        text = (f"Tiempo en línea, plan {plan}" if es else f"Time online, plan {plan}") + (
            _span(lang, p)
        )
        n = p.get("stretches", 0)
        text += (
            f": {n} conexiones, redondeo {ROUNDING_WORDS[lang][p['rounding']]}"
            if es
            else f": {n} sessions, rounded {ROUNDING_WORDS[lang][p['rounding']]}"
        )
        if p.get("outage_seconds"):
            d = format_hms(p["outage_seconds"])
            text += f"; sin contar {d} de cortes" if es else f"; not counting {d} of outages"
        return text
    if kind == "overage":
        cap = format_size(p["cap_bytes"])
        used = format_size(p["used_bytes"])
        return (
            f"Exceso sobre {cap} incluidos en {plan} (usado {used})"
            if es
            else f"Data over the {cap} included in {plan} ({used} used)"
        ) + _span(lang, p)
    if kind == "pack":
        what = (
            format_duration(p["allowance_seconds"])
            if "allowance_seconds" in p
            else format_size(p["allowance_bytes"])
        )
        within = format_duration(p["validity_seconds"])
        sold = date_text(lang, p["sold_at"], with_time=True)
        return (
            f"Paquete {plan}: {what} en {within}, vendido {sold}"
            if es
            else f"Pack {plan}: {what} within {within}, sold {sold}"
        )
    if kind == "credit":
        n = p.get("outages", 0)
        d = format_hms(p["outage_seconds"])
        return (
            f"Crédito por cortes del enlace ({n}, {d} en total), plan {plan}"
            if es
            else f"Credit for uplink outages ({n}, {d} in all), plan {plan}"
        )
    if kind == "tax":
        name = p.get("name") or w(lang, "tax")
        return f"{name} ({_pct(p['percent'])}\u00a0%)"  # no line break inside "10 %"
    if kind == "refund":
        return (
            f"Rectifica la factura N.º {p['invoice']}: {p['reason']}"
            if es
            else f"Corrects invoice No. {p['invoice']}: {p['reason']}"
        )
    return kind


def quantity_text(lang: str, kind: str, quantity: Decimal | None, p: Mapping[str, Any]) -> str:
    if quantity is None:
        return ""
    if kind in ("data", "overage"):
        return f"{format_amount(quantity, places=3)} MB"
    if kind == "time":
        return format_hms(p["seconds"])
    if kind == "credit":
        return format_hms(p["outage_seconds"])
    if kind == "plan":
        if p.get("whole_month", True):
            return f"1 {w(lang, 'month_unit')}"
        return f"{_days(p['seconds'])} d"
    if kind == "tax":
        return ""
    return format(quantity.normalize(), "f")


def unit_price_text(kind: str, unit_price: Decimal | None, lang: str) -> str:
    if unit_price is None:
        return ""
    per = {"data": " /MB", "overage": " /MB", "time": " /h", "plan": f" /{w(lang, 'month_unit')}"}
    return format_price(unit_price) + per.get(kind, "")


def _days(seconds: int) -> str:
    d = (Decimal(seconds) / 86400).quantize(Decimal("0.01"))
    return format(d, "f").rstrip("0").rstrip(".")


def _pct(text: str) -> str:
    return format(Decimal(text).normalize(), "f")


def rate_text(lang: str, currency: str, rates: Mapping[str, Any]) -> str:
    """``1 USD = 400.00 CUP (vigente desde 15/11/2026)`` for each rate the invoice used."""
    parts = []
    for c, info in sorted(rates.items()):
        value = Decimal(info["cup_per_unit"])
        text = f"1 {c} = {format_price(value)} CUP"
        if info.get("since"):
            d = _dt.date.fromisoformat(info["since"])
            since = d.strftime("%d/%m/%Y") if lang == "es" else d.isoformat()
            text += f" ({w(lang, 'since')} {since})"
        parts.append(text)
    return "; ".join(parts) if parts else w(lang, "rate_none")
