"""The formats of an organisation's identifiers, checked in one place for registration and the profile.

Companies House numbers have 8 characters: 8 digits (companies in England and Wales), or a 2-letter
prefix and 6 digits (SC Scottish company, NI Northern Irish company, OC limited liability partnership,
LP limited partnership, FC overseas company, CE charitable incorporated organisation, ...).
A number typed with fewer than 8 digits is refused rather than padded with zeros: a mistyped digit
would otherwise turn into a valid-looking number of a different company, so the person is asked to
copy the number as Companies House shows it (with its leading zeros).
"""
import re

COMPANIES_HOUSE_PREFIXES = (
    "SC", "NI", "OC", "SO", "NC", "R0", "IP", "SP", "RC", "SL", "NF", "NL", "LP", "SE", "FC", "GE",
    "RS", "SR", "NP", "NO", "IC", "SI", "NR", "CE", "CS", "NA", "NZ", "ZC", "SA", "SZ", "GS", "PC",
    "OE", "SG", "SF",
)
COMPANIES_HOUSE = re.compile(r"^(\d{8}|(" + "|".join(COMPANIES_HOUSE_PREFIXES) + r")\d{6})$")
COMPANIES_HOUSE_MESSAGE = (
    "Enter a Companies House number in the correct format: 8 characters, like 01234567 or SC123456. "
    "Include any 0s at the start"
)
#: a UK postcode, outward and inward parts (space optional when typed)
POSTCODE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})$")
POSTCODE_MESSAGE = "Enter a real postcode, like PE29 3TN"
#: a CQC provider or location ID: 1- and 9 to 11 digits
CQC_ID = re.compile(r"^1-\d{9,11}$")
CQC_PROVIDER_MESSAGE = "Enter a CQC provider ID in the correct format, like 1-101234567"
CQC_LOCATION_MESSAGE = "Enter a CQC location ID in the correct format, like 1-123456789"
#: a UK phone number: digits, spaces, brackets, dashes and a leading +44
PHONE = re.compile(r"^(\+44\s?|0)[\d\s()-]{9,16}$")
PHONE_MESSAGE = "Enter a UK telephone number, like 01632 960 001 or +44 1632 960 001"


def normalise_companies_house(value: str | None) -> str | None:
    """Upper case, spaces removed: ' sc 123456 ' -> 'SC123456'."""
    return re.sub(r"\s+", "", value.upper()) if value else value


def normalise_postcode(value: str | None) -> str:
    """'pe291ab' -> 'PE29 1AB'; anything that is not a postcode is kept as typed, for the error message."""
    raw = re.sub(r"\s+", "", (value or "").upper())
    match = POSTCODE.match(raw)
    return f"{match.group(1)} {match.group(2)}" if match else (value or "")


def normalise_cqc_id(value: str | None) -> str | None:
    return re.sub(r"\s+", "", value) if value else value


def is_companies_house_number(value: str) -> bool:
    return bool(COMPANIES_HOUSE.match(value or ""))


def is_cqc_id(value: str) -> bool:
    return bool(CQC_ID.match(value or ""))


def is_postcode(value: str) -> bool:
    return bool(POSTCODE.match(value or ""))


def is_phone(value: str) -> bool:
    digits = re.sub(r"\D", "", value or "")
    return bool(PHONE.match((value or "").strip())) and 10 <= len(digits) <= 12
