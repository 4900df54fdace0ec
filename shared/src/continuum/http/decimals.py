"""Decimals in JSON as strings (DESIGN §4: "decimals as JSON strings"), written once for every service's views.

A JSON number is a binary float in most clients (JavaScript, many generated clients): 0.1 + 0.2 and money lose
cents there. So a figure goes out as its decimal text, rounded to a fixed number of places and written without an
exponent ("42.5", "100", "-3000.25"), and a client parses it with its own decimal type.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Annotated

from pydantic import Field

DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"

DecimalText = Annotated[str, Field(pattern=DECIMAL_PATTERN, examples=["42.5"])]
"""A decimal figure as JSON text: digits, an optional sign and fraction, never an exponent."""


def decimal_text(value: Decimal | int | float | None, places: int = 4) -> str | None:
    """`value` rounded half-even to `places` decimals, as text without exponent or trailing zeros.

    None for none and for what has no decimal value (NaN, ±infinity): the figure is undefined, not zero.
    """
    if value is None:
        return None
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        return None
    try:
        number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    except InvalidOperation:  # more digits than the context holds: shown as it is, whole
        pass
    if number.is_zero():
        return "0"
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
