"""How the shop writes amounts of money: one format everywhere (``£1,299.00``)."""
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CURRENCY_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}


def format_money(amount: object, currency: str = "GBP") -> str:
    """``£1,299.00``; a currency without a symbol is written after the amount (``1,299.00 CHF``)."""
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return str(amount)
    sign = "-" if value < 0 else ""
    digits = f"{abs(value):,.2f}"
    symbol = CURRENCY_SYMBOLS.get((currency or "").upper())
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{digits} {currency}".rstrip()
