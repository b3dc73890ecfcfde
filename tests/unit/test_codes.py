"""National codes: GB/T 2260 division codes and the MoE 10-digit school identification code."""

from __future__ import annotations

import pytest

from runxin.platform.codes import SCHOOL_CATEGORIES, check_division_code, check_school_code, school_category
from runxin.platform.errors import Invalid

# --- division codes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "kind", "parent"),
    [("360700", "CITY", None), ("110100", "CITY", None), ("360702", "COUNTY", "360700"), ("360702", "COUNTY", None)],
)
def test_good_division_codes_are_accepted(code: str, kind: str, parent: str | None) -> None:
    # Given a well-formed code (with stray spaces around it, as pasted from a spreadsheet)
    # When it is checked
    # Then it comes back normalised
    assert check_division_code(f" {code}\t", kind, parent_code=parent) == code


@pytest.mark.parametrize(
    ("code", "kind", "parent", "reason", "hint"),
    [
        ("36070", "CITY", None, "CODE_FORMAT", "6 digits"),
        ("3607000", "CITY", None, "CODE_FORMAT", "6 digits"),
        ("", "COUNTY", "360700", "CODE_FORMAT", "6 digits"),
        ("36a700", "CITY", None, "CODE_FORMAT", "6 digits"),
        ("36-702", "COUNTY", "360700", "CODE_FORMAT", "6 digits"),
        ("990700", "CITY", None, "CODE_PROVINCE", "11-82"),
        ("100700", "CITY", None, "CODE_PROVINCE", "11-82"),
        ("360702", "CITY", None, "CODE_LEVEL", "ends in 00"),
        ("360000", "CITY", None, "CODE_LEVEL", "ends in 00"),
        ("360700", "COUNTY", "360700", "CODE_LEVEL", "non-zero last two digits"),
        ("360802", "COUNTY", "360700", "CODE_PARENT_MISMATCH", "3607"),
        ("440702", "COUNTY", "360700", "CODE_PARENT_MISMATCH", "3607"),
    ],
)
def test_bad_division_codes_are_refused_with_a_reason(
    code: str, kind: str, parent: str | None, reason: str, hint: str
) -> None:
    # Given a malformed or misplaced division code
    # When it is checked
    with pytest.raises(Invalid) as caught:
        check_division_code(code, kind, parent_code=parent)
    # Then the error names the field, a stable reason, and says what a right code looks like
    assert caught.value.code == reason
    assert caught.value.field == "code"
    assert hint in caught.value.message
    assert str(caught.value) == caught.value.message


def test_division_code_error_names_the_given_field() -> None:
    # Given a code submitted in a nested input field
    # When it is refused
    with pytest.raises(Invalid) as caught:
        check_division_code("12", "COUNTY", field="input.county.code")
    # Then the error points at that field
    assert caught.value.field == "input.county.code"
    assert caught.value.code == "CODE_FORMAT"


def test_format_errors_show_an_example_to_copy() -> None:
    with pytest.raises(Invalid) as city:
        check_division_code("abc", "CITY")
    with pytest.raises(Invalid) as school:
        check_school_code("abc")
    assert "e.g. 360700" in city.value.message and "'abc'" in city.value.message
    assert "2 category + 2 province + 6 sequence" in school.value.message


@pytest.mark.parametrize(
    "check",
    [
        lambda: check_division_code("36070２", "COUNTY", parent_code="360700"),
        lambda: check_school_code("21360００００1", province_prefix="36"),
    ],
    ids=["county", "school"],
)
def test_full_width_digits_are_never_stored_as_such(check) -> None:  # type: ignore[no-untyped-def]
    # Given a code typed with full-width digits, as a Chinese input method produces them
    # When it is checked
    try:
        result = check()
    except Invalid as exc:
        # Then either it is refused as badly formed ...
        assert exc.code == "CODE_FORMAT"
    else:
        # ... or it is normalised to ASCII digits, never kept as a different string for the same code
        assert result.isascii(), f"{result!r} accepted with non-ASCII digits"


# --- school codes -------------------------------------------------------------------------------


@pytest.mark.parametrize("category", sorted(SCHOOL_CATEGORIES))
def test_each_school_category_is_accepted(category: str) -> None:
    # Given a school code of this category in Jiangxi (36)
    code = f"{category}36000123"
    # When it is checked against its county's province
    # Then it is accepted and its category read back
    assert check_school_code(code, province_prefix="36") == code
    assert school_category(code) == category


@pytest.mark.parametrize(
    ("code", "province", "reason", "hint"),
    [
        ("213600012", None, "CODE_FORMAT", "10 digits"),
        ("21360001234", None, "CODE_FORMAT", "10 digits"),
        ("2136OOO123", None, "CODE_FORMAT", "10 digits"),  # letter O for zero
        ("9936000123", None, "CODE_CATEGORY", "use one of 11, 21, 22, 31, 32, 33, 34, 35, 36, 37, 51"),
        ("1036000123", None, "CODE_CATEGORY", "not a school category"),
        ("2199000123", None, "CODE_PROVINCE", "11-82"),
        ("2144000123", "36", "CODE_PARENT_MISMATCH", "must be 36"),
    ],
)
def test_bad_school_codes_are_refused_with_a_reason(code: str, province: str | None, reason: str, hint: str) -> None:
    # Given a malformed school code, or one from another province than its county
    # When it is checked
    with pytest.raises(Invalid) as caught:
        check_school_code(code, province_prefix=province)
    # Then the reason is precise and the message says what is expected
    assert caught.value.code == reason
    assert caught.value.field == "code"
    assert hint in caught.value.message


def test_school_code_without_a_county_skips_the_province_match() -> None:
    # Given no county to compare with (e.g. validating an import file line by line)
    # Then a code of any real province passes
    assert check_school_code("3444000001") == "3444000001"
