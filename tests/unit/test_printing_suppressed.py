"""The printable report with suppressed figures: a bureau's own student-derived counts are withheld
(state SUPPRESSED, numerator and denominator null) and must print as withheld, not break the PDF."""

from __future__ import annotations

from runxin.platform.printing.report import ChildRow, Figure, PeriodReport, render


def test_a_report_whose_own_and_childrens_counts_are_suppressed_renders() -> None:
    # Given a county whose own four-special count is suppressed, as is one school's
    hidden = Figure("FOUR_SPECIAL_STUDENTS", None, "SUPPRESSED", None, None, False)
    shown = Figure("FOUR_SPECIAL_STUDENTS", 12.0, "REPORTED", 12.0, 3.0, False)
    report = PeriodReport(
        code="360702", name="章贡区", kind="COUNTY", period="2025T1", school_year=2025, state="SUBMITTED",
        approval="PENDING", version=1, submitted="", decided="", indicators={"FOUR_SPECIAL_STUDENTS": "四特学生数"},
        own={"FOUR_SPECIAL_STUDENTS": hidden},
        children=[ChildRow("3636000001", "一小", "APPROVED", {"FOUR_SPECIAL_STUDENTS": hidden}),
                  ChildRow("3636000002", "二小", "APPROVED", {"FOUR_SPECIAL_STUDENTS": shown})],
    )  # fmt: skip
    # When it is printed
    pdf = render(report)
    # Then it is a PDF, and the suppressed figure says it is withheld
    assert pdf.startswith(b"%PDF-") and len(pdf) > 1000
    assert hidden.text() == "人数过少，已隐去"
