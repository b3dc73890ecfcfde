"""Chinese telephone numbers, as hotlines and staff records write them.

Spaces are ignored (people type "0797 8123456") and full-width digits and hyphens from a Chinese
IME are read as ASCII (NFKC); hyphens are allowed only where they are written.

- Mobile: 11 digits, ``1`` then ``3``-``9`` then 9 digits (13x..19x networks), e.g. 13812345678.
- Landline: the area code with its trunk ``0`` (``010`` Beijing, ``020``-``029`` the largest
  cities, ``03xx``-``09xx`` everywhere else, e.g. ``0797`` Ganzhou), an optional hyphen, then a 7-
  or 8-digit local number that starts with 2-9 (local numbers never start with 0 or 1):
  0797-8123456, 07978123456, 010-62345678; 010-12345678 is refused. A short service number may
  follow an area code, as city notices print it: 0797-12355.
- Service numbers: national short numbers, 3 digits starting with ``1`` (110, 120) or 5 digits
  starting ``10`` (carriers, 10086) or ``12`` (public services: 12320 health, 12345 government,
  12355 the youth service line, 12356 the psychological-aid line), and the shared-cost ``400`` and
  toll-free ``800`` numbers, 10 digits written 400-xxx-xxxx (hyphens optional).
"""

from __future__ import annotations

import re
import unicodedata

MOBILE = re.compile(r"1[3-9]\d{9}", re.ASCII)
_LANDLINE = r"0(?:10|2\d|[3-9]\d{2})-?(?:[2-9]\d{6,7}|12\d{3})"
_SERVICE = r"1\d{2}|1[02]\d{3}|[48]00-?\d{3}-?\d{4}"
PHONE = re.compile(rf"{MOBILE.pattern}|{_LANDLINE}|{_SERVICE}", re.ASCII)  # \d is 0-9 only

PHONE_FORMS = "a mobile number (13812345678), a landline with area code (0797-8123456) or a service number (12355, 400-123-4567)"


def normalise_phone(text: str) -> str:
    """`text` in NFKC (full-width digits become ASCII), without surrounding or inner spaces."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


def is_phone(text: str) -> bool:
    return PHONE.fullmatch(normalise_phone(text)) is not None


def is_mobile(text: str) -> bool:
    return MOBILE.fullmatch(normalise_phone(text)) is not None
