"""The period report as PDF: the tenant's own indicators, its children's, target progress, approval.

`PeriodReport` is plain data; `render` lays it out on A4 landscape in STSong-Light (Chinese) with
the figures as text, so the PDF's text can be read back and checked.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from runxin.platform.indicators.definitions import BY_CODE, ValueKind

FONT = "STSong-Light"
STATES = {
    "OPEN": "填报中", "SUBMITTED": "已上报", "APPROVED": "已审核", "RETURNED": "已退回",
    "WAITING_FOR_CHILDREN": "等待下级", "READY": "可上报", "APPROVED_HERE": "本级已审核", "APPROVED_ABOVE": "上级已审核",
    "MET": "已达成", "ON_TRACK": "进展正常", "AT_RISK": "有风险", "MISSED": "未达成", "NO_DATA": "无数据",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Figure:
    indicator: str
    value: float | None  # None unless reported
    state: str  # REPORTED, NOT_REPORTED, NOT_APPLICABLE, SUPPRESSED
    numerator: float | None  # None when SUPPRESSED
    denominator: float | None
    ratio: bool  # shown as a percentage

    def text(self) -> str:
        if self.state == "SUPPRESSED":
            return "人数过少，已隐去"
        if self.state == "NOT_APPLICABLE":
            return "不适用"
        if self.value is None:
            return "未报"
        definition = BY_CODE.get(self.indicator)
        if definition is not None and definition.value_kind is ValueKind.COUNT:
            return f"{self.value:.0f}"  # students, referrals: whole numbers
        return f"{self.value * 100:.1f}%" if self.ratio else f"{self.value:.2f}"


@dataclass(frozen=True, slots=True)
class ChildRow:
    code: str
    name: str
    approval: str | None
    figures: dict[str, Figure]


@dataclass(frozen=True, slots=True)
class TargetRow:
    indicator: str
    name: str
    target: float
    due: dt.date
    current: Figure | None
    status: str
    set_by: str


@dataclass(frozen=True, slots=True)
class PeriodReport:
    code: str
    name: str
    kind: str
    period: str
    school_year: int
    state: str
    approval: str
    version: int
    submitted: str  # who and when, or ""
    decided: str
    indicators: dict[str, str]  # code -> Chinese name, in the brief's order
    own: dict[str, Figure]
    children: list[ChildRow] = field(default_factory=list)
    targets: list[TargetRow] = field(default_factory=list)
    printed_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


def _styles() -> tuple[ParagraphStyle, ParagraphStyle, ParagraphStyle, ParagraphStyle]:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    title = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=22, alignment=1)
    head = ParagraphStyle("head", fontName=FONT, fontSize=12, leading=18, spaceBefore=6)
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=13)
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=7, leading=9)
    return title, head, body, cell


def _table(rows: list[list[object]], widths: list[float] | None = None) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 8),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
            ]
        )
    )
    return table


def render(report: PeriodReport) -> bytes:
    """The report as a PDF document."""
    title, head, body, cell = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm, bottomMargin=12 * mm,
        title=f"{report.name} {report.period} 学生心理健康工作报表", author="Runxin",
    )  # fmt: skip
    level = {"CITY": "市", "COUNTY": "县（市、区）", "SCHOOL": "学校"}.get(report.kind, "")
    story: list[object] = [
        Paragraph(f"{report.name}学生心理健康工作报表（{report.period}）", title),
        Paragraph(
            f"单位代码：{report.code}　层级：{level}　学年：{report.school_year}-{report.school_year + 1}　"
            f"打印时间：{report.printed_at:%Y-%m-%d %H:%M} UTC",
            body,
        ),
        Paragraph("一、审核状态", head),
        Paragraph(
            f"报表状态：{STATES.get(report.state, report.state)}（{report.state}）　审核环节：{STATES.get(report.approval, report.approval)}"
            f"（{report.approval}）　版本：{report.version}",
            body,
        ),
    ]
    if report.submitted:
        story.append(Paragraph(f"上报：{report.submitted}", body))
    if report.decided:
        story.append(Paragraph(f"审核：{report.decided}", body))
    story += [Paragraph("二、本级指标", head)]
    rows: list[list[object]] = [["指标", "代码", "数值", "分子", "分母", "状态"]]
    for code, name in report.indicators.items():
        figure = report.own.get(code)
        if figure is None:
            continue
        rows.append(
            [Paragraph(name, cell), code, figure.text(), _part(figure.numerator), _part(figure.denominator), figure.state]
        )
    story.append(_table(rows, [90 * mm, 60 * mm, 25 * mm, 25 * mm, 25 * mm, 35 * mm]))
    if report.children:
        story.append(Paragraph("三、下级单位指标", head))
        codes = [c for c in report.indicators if any(c in child.figures for child in report.children)]
        header: list[object] = ["单位", "代码", "审核"] + [Paragraph(report.indicators[c], cell) for c in codes]
        grid: list[list[object]] = [header]
        for child in report.children:
            grid.append(
                [Paragraph(child.name, cell), child.code, STATES.get(child.approval or "", child.approval or "")]
                + [child.figures[c].text() if c in child.figures else "" for c in codes]
            )
        fixed = 40 * mm + 22 * mm + 18 * mm
        rest = (landscape(A4)[0] - 24 * mm - fixed) / max(len(codes), 1)
        story.append(_table(grid, [40 * mm, 22 * mm, 18 * mm] + [rest] * len(codes)))
    story.append(Paragraph("四、目标进展", head))
    if report.targets:
        rows = [["指标", "目标值", "期限", "当前值", "状态", "设定单位"]]
        for t in report.targets:
            rows.append(
                [Paragraph(t.name, cell), f"{t.target * 100:.1f}%" if t.current is None or t.current.ratio else f"{t.target:g}",
                 t.due.isoformat(), t.current.text() if t.current else "未报", STATES.get(t.status, t.status), t.set_by]
            )  # fmt: skip
        story.append(_table(rows, [90 * mm, 25 * mm, 30 * mm, 25 * mm, 30 * mm, 60 * mm]))
    else:
        story.append(Paragraph("本单位暂无目标。", body))
    story += [Spacer(1, 8 * mm), Paragraph("填报人：＿＿＿＿＿＿　　审核人：＿＿＿＿＿＿　　单位（盖章）：＿＿＿＿＿＿", body)]
    doc.build(story)
    return buffer.getvalue()


def _part(amount: float | None) -> str:
    """A numerator or denominator; a suppressed figure's are withheld (None), printed as a dash."""
    return "—" if amount is None else f"{amount:g}"
