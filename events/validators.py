"""Field validators backed by the ISO standards in pycountry."""

import pycountry
from django.core.exceptions import ValidationError


def validate_currency(value: str) -> None:
    if value and pycountry.currencies.get(alpha_3=value) is None:
        raise ValidationError(f'"{value}" is not an ISO 4217 currency code.', code="invalid_currency")


def validate_language(value: str) -> None:
    if value and pycountry.languages.get(alpha_2=value) is None:
        raise ValidationError(f'"{value}" is not an ISO 639-1 language code.', code="invalid_language")
