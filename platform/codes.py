"""National codes: GB/T 2260 division codes and the MoE 10-digit school identification code.

Each check raises `Invalid` with a reason precise enough to fix the code by hand.
"""

from __future__ import annotations

import re
import unicodedata

from runxin.platform.errors import Invalid

# GB/T 2260 province-level prefixes (11 Beijing ... 82 Macao).
PROVINCE_PREFIXES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)

SCHOOL_CATEGORIES: dict[str, str] = {
    "11": "kindergarten",
    "21": "primary",
    "22": "adult primary",
    "31": "general junior secondary",
    "32": "vocational junior secondary",
    "33": "adult junior secondary",
    "34": "general senior secondary",
    "35": "adult senior secondary",
    "36": "secondary vocational",
    "37": "reform school",
    "51": "special education",
}
VOCATIONAL_CATEGORIES = frozenset({"32", "36"})

# ASCII digits only: `\d` would also accept full-width digits typed with a Chinese input method.
_SIX_DIGITS = re.compile(r"[0-9]{6}")
_TEN_DIGITS = re.compile(r"[0-9]{10}")


def normalise(code: str) -> str:
    """Fold full-width digits (３６０７００) to ASCII and trim, as clerks type codes either way."""
    return unicodedata.normalize("NFKC", code).strip()


def check_division_code(code: str, kind: str, *, parent_code: str | None = None, field: str = "code") -> str:
    """Check a province, city or county division code (kind PROVINCE, CITY, COUNTY); return it normalised."""
    code = normalise(code)
    if not _SIX_DIGITS.fullmatch(code):
        raise Invalid(field, "CODE_FORMAT", f"A {kind.lower()} code is 6 digits (GB/T 2260), e.g. 360700; got {code!r}.")
    if code[:2] not in PROVINCE_PREFIXES:
        raise Invalid(field, "CODE_PROVINCE", f"{code} does not start with a province code of GB/T 2260 (11-82).")
    if kind == "PROVINCE":
        if code[2:] != "0000":
            raise Invalid(field, "CODE_LEVEL", f"A province code is 6 digits ending in 0000, e.g. 360000; got {code}.")
    elif kind == "CITY":
        if code[2:4] == "00" or code[4:] != "00":
            raise Invalid(field, "CODE_LEVEL", f"A city code has a non-zero prefecture part and ends in 00, e.g. 360700; got {code}.")
        if parent_code is not None and code[:2] != parent_code[:2]:
            raise Invalid(field, "CODE_PARENT_MISMATCH", f"City {code} must start with its province's two digits {parent_code[:2]}.")
    elif kind == "COUNTY":
        if code[4:] == "00":
            raise Invalid(field, "CODE_LEVEL", f"A county code has a non-zero last two digits, e.g. 360702; got {code}.")
        if parent_code is not None and code[:4] != parent_code[:4]:
            raise Invalid(
                field,
                "CODE_PARENT_MISMATCH",
                f"County {code} must start with its city's first four digits {parent_code[:4]}.",
            )
    return code


def check_school_code(code: str, *, province_prefix: str | None = None, field: str = "code") -> str:
    """Check a 10-digit school identification code; return it normalised."""
    code = normalise(code)
    if not _TEN_DIGITS.fullmatch(code):
        raise Invalid(field, "CODE_FORMAT", f"A school code is 10 digits (2 category + 2 province + 6 sequence); got {code!r}.")
    if code[:2] not in SCHOOL_CATEGORIES:
        raise Invalid(
            field,
            "CODE_CATEGORY",
            f"{code} starts with {code[:2]}, which is not a school category; use one of "
            f"{', '.join(sorted(SCHOOL_CATEGORIES))}.",
        )
    if code[2:4] not in PROVINCE_PREFIXES:
        raise Invalid(field, "CODE_PROVINCE", f"Digits 3-4 of {code} must be a province code (11-82).")
    if province_prefix is not None and code[2:4] != province_prefix:
        raise Invalid(
            field,
            "CODE_PARENT_MISMATCH",
            f"Digits 3-4 of school code {code} must be {province_prefix}, the province of its county.",
        )
    return code


def school_category(code: str) -> str:
    return code[:2]
