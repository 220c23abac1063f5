"""ISO 4217 currency codes in circulation, with their minor digits (CNY 2, JPY 0, KWD 3)."""

from __future__ import annotations

from custinfo.errors import ValidationError

_TEXT = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD "
    "BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB "
    "EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK "
    "JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA "
    "MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK "
    "PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN "
    "SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST "
    "XAF XCD XCG XOF XPF YER ZAR ZMW ZWG "
)
_CODES = _TEXT.split()
_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF"
_MINOR = {code: 0 for code in _ZERO.split()}
_THREE = "BHD IQD JOD KWD LYD OMR TND"
_MINOR |= {code: 3 for code in _THREE.split()}
CURRENCIES: dict[str, int] = {code: _MINOR.get(code, 2) for code in _CODES}


def check_currency(value: str) -> str:
    """The upper-cased ISO 4217 code, or ValidationError (exit 2) naming the value."""
    code = value.strip().upper()
    if code not in CURRENCIES:
        from custinfo.i18n import _

        raise ValidationError(
            _("unknown currency {value!r}: use an ISO 4217 code like CNY, USD or EUR").format(
                value=value
            )
        )
    return code


def minor_digits(code: str) -> int:
    """Digits after the decimal point for `code` (CNY 2, JPY 0, KWD 3)."""
    return CURRENCIES[check_currency(code)]
