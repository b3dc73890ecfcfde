"""What each template's rows would write, row by row, checked by the domain's own validators.

One planner per kind. Each loads what the file refers to by natural key in a few statements
(units by code; staff by (unit, staff code); stations by school; call counts by (hotline, period);
programmes, sessions and attendance by their keys), then plans every row: a new record, a change,
or nothing. Defaults are the models' own: an empty optional cell means the default, as in a form.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.errors import Invalid, InvalidMany
from runxin.platform.hotlines.models import Hotline, HotlineCallCount
from runxin.platform.hotlines.services import OWNER_KINDS as HOTLINE_OWNERS
from runxin.platform.hotlines.services import validate_call_counts
from runxin.platform.ids import new_id
from runxin.platform.periods import normalise_period
from runxin.platform.phones import normalise_phone
from runxin.platform.spreadsheets.importing import Plan, Planner, duplicate, load_in, unit_of, units_by_code
from runxin.platform.spreadsheets.kinds import QUALIFICATIONS
from runxin.platform.spreadsheets.reading import ParsedSheet, Row
from runxin.platform.staffing.models import Staff
from runxin.platform.staffing.services import OWNER_KINDS as STAFF_OWNERS
from runxin.platform.staffing.services import normalised_staff, validate_staff
from runxin.platform.stations.models import Station
from runxin.platform.stations.services import OWNER_KINDS as STATION_OWNERS
from runxin.platform.stations.services import validate_station
from runxin.platform.training.models import TrainingAttendance, TrainingProgramme, TrainingSession
from runxin.platform.training.services import OWNER_KINDS as TRAINING_OWNERS
from runxin.platform.training.services import validate_attendance, validate_programme, validate_training_session
from runxin.platform.tree.models import Tenant


def _defaults(model: type) -> dict[str, Any]:
    return {c.key: c.default.arg for c in model.__table__.columns if c.default is not None and not callable(c.default.arg)}  # type: ignore[attr-defined]


def _filled(row: Row, keys: tuple[str, ...], defaults: dict[str, Any]) -> dict[str, Any]:
    """The row's values for `keys`, an empty cell taking the model's default."""
    return {k: row.values.get(k) if row.values.get(k) is not None else defaults.get(k) for k in keys}


def _validate(plan: Plan, row: Row, validate: Any, values: dict[str, Any], tenant: Tenant, fallback: str, **fields: str) -> bool:
    try:
        validate(values, tenant)
    except (Invalid, InvalidMany) as exc:
        plan.domain_errors(row, exc, fields, fallback)
        return False
    return True


def _new(model: type, tenant: Tenant, values: dict[str, Any]) -> Any:
    return model(id=new_id(), tenant_id=tenant.id, root_id=tenant.root_id, **values)


async def _staff_of(session: AsyncSession, units: dict[str, Tenant], root: Tenant, parsed: ParsedSheet) -> list[Staff]:
    """The numbered staff of every unit the file names: one statement per 500 units, not one per row."""
    named = {units[code].id for r in parsed.rows if (code := r.values.get("unit_code") or root.code) in units}
    return await load_in(
        session, lambda batch: select(Staff).where(Staff.tenant_id.in_(batch), Staff.staff_code.is_not(None)), named
    )


# --- staff -------------------------------------------------------------------------------------

STAFF_FIELDS = ("kind", "name", "gender", "birth_date", "phone", "qualifications", "strong_teacher", "employed_since", "active")
_SEPARATORS = re.compile(r"[、，,;；/\s]+")


def _qualifications(plan: Plan, row: Row) -> str | None:
    text = row.values.get("qualifications")
    if text is None:
        return ""
    codes = []
    for part in (p for p in _SEPARATORS.split(text) if p):
        code = QUALIFICATIONS.get(part, part.upper())
        if code not in QUALIFICATIONS.values():
            plan.error(
                row, "qualifications", "QUALIFICATION_UNKNOWN",
                f"“{part}”不是可识别的资质；可填：{'、'.join(QUALIFICATIONS)}。",
                f"{part!r} is not a known qualification; use {', '.join(QUALIFICATIONS.values())}.",
            )  # fmt: skip
            return None
        codes.append(code)
    return ",".join(dict.fromkeys(codes))


async def plan_staff(session: AsyncSession, root: Tenant, parsed: ParsedSheet, today: dt.date, plan: Plan) -> None:
    units = await units_by_code(session, root, (r.values["unit_code"] for r in parsed.rows if r.values.get("unit_code")))
    existing = await _staff_of(session, units, root, parsed)
    by_key = {(s.tenant_id, s.staff_code): s for s in existing}
    defaults = _defaults(Staff)
    seen: dict[Any, int] = {}
    validate = functools.partial(validate_staff, today=today)
    for row in parsed.rows:
        unit = unit_of(plan, row, units, root, STAFF_OWNERS)
        code = row.values.get("staff_code")
        if unit is None or code is None or duplicate(plan, seen, (unit.id, code), row, "staff_code"):
            continue
        name = row.values.get("name") or ""
        if "*" in name:
            plan.error(
                row, "name", "MASKED_VALUE",
                "姓名是脱敏后的（含 *）；请用可查看个人信息的账号导出，或填写完整姓名。",
                "The name is masked (it has *); export with an account that may see personal data, or write the full name.",
            )  # fmt: skip
            continue
        qualifications = _qualifications(plan, row)
        if qualifications is None:
            continue
        values = normalised_staff({**_filled(row, STAFF_FIELDS, defaults), "qualifications": qualifications, "staff_code": code})
        values["phone"] = values.get("phone") or ""
        if not _validate(plan, row, validate, values, unit, "staff_code"):
            continue
        record = by_key.get((unit.id, code))
        if record is None:
            plan.new.append(_new(Staff, unit, values))
        else:
            plan.keep(record, values)


# --- stations ----------------------------------------------------------------------------------

STATION_FIELDS = (
    "name", "kind", "status", "opened_on", "area_m2", "weekly_open_hours", "individual_counselling", "assessment", "sandplay",
    "appointment_in_person", "appointment_phone", "appointment_online", "duty_roster", "records_kept", "shown_to_new_students",
)  # fmt: skip


async def plan_stations(session: AsyncSession, root: Tenant, parsed: ParsedSheet, today: dt.date, plan: Plan) -> None:
    units = await units_by_code(session, root, (r.values["unit_code"] for r in parsed.rows if r.values.get("unit_code")))
    ids = {u.id for u in units.values()}
    stations: dict[Any, list[Station]] = {}
    for station in await load_in(session, lambda batch: select(Station).where(Station.tenant_id.in_(batch)), ids):
        stations.setdefault(station.tenant_id, []).append(station)
    defaults = _defaults(Station)
    seen: dict[Any, int] = {}
    validate = functools.partial(validate_station, today=today)
    for row in parsed.rows:
        unit = unit_of(plan, row, units, root, STATION_OWNERS)
        if unit is None or duplicate(plan, seen, unit.id, row, "unit_code" if row.values.get("unit_code") else "name"):
            continue
        values = _filled(row, STATION_FIELDS, defaults)
        if not _validate(plan, row, validate, values, unit, "name"):
            continue
        mine = stations.get(unit.id, [])
        match = mine[0] if len(mine) == 1 else next((s for s in mine if s.name == values["name"]), None)
        if match is None and len(mine) > 1:
            plan.error(
                row, "name", "STATION_AMBIGUOUS",
                f"{unit.name} 登记了 {len(mine)} 个辅导站，名称均不是“{values['name']}”；请填写其中一个的名称。",
                f"{unit.name} has {len(mine)} stations and none is named {values['name']!r}; write the name of the one to update.",
            )  # fmt: skip
        elif match is None:
            plan.new.append(_new(Station, unit, values))
        else:
            plan.keep(match, {k: Decimal(str(v)) if isinstance(v, Decimal) else v for k, v in values.items()})


# --- hotline call counts -----------------------------------------------------------------------


def _digits(number: str) -> str:
    return re.sub(r"\D", "", normalise_phone(number))


async def plan_calls(session: AsyncSession, root: Tenant, parsed: ParsedSheet, today: dt.date, plan: Plan) -> None:
    # Matched on digits alone ("0797-8123456" is "0797 8123456"); a subtree holds few hotlines, so all are loaded.
    found = (
        await session.execute(
            select(Hotline, Tenant).join(Tenant, Tenant.id == Hotline.tenant_id).where(Tenant.path.startswith(root.path))
        )
    ).all()
    hotlines: dict[str, list[tuple[Hotline, Tenant]]] = {}
    for hotline, owner in found:
        hotlines.setdefault(_digits(hotline.number), []).append((hotline, owner))
    rows = [(row, _digits(row.values["number"]) if row.values.get("number") else None) for row in parsed.rows]
    keys = {
        (h.id, normalise_period(r.values["period"]))
        for r, n in rows
        if n in hotlines and r.values.get("period")
        for h, _ in hotlines[n]
    }
    existing = await load_in(
        session,
        lambda batch: select(HotlineCallCount).where(tuple_(HotlineCallCount.hotline_id, HotlineCallCount.period).in_(batch)),
        keys,
    )
    by_key = {(c.hotline_id, c.period): c for c in existing}
    seen: dict[Any, int] = {}
    validate = functools.partial(validate_call_counts, today=today)
    for row, number in rows:
        if number is None or "number" in row.failed:
            continue
        matches = hotlines.get(number, [])
        if len(matches) != 1:
            zh = "没有这个号码的热线" if not matches else f"有 {len(matches)} 条热线使用这个号码"
            plan.error(
                row, "number", "HOTLINE_UNKNOWN" if not matches else "HOTLINE_AMBIGUOUS",
                f"{root.name}及其下级{zh}；请先在系统中登记热线，号码与登记的一致。",
                f"{'No hotline' if not matches else f'{len(matches)} hotlines'} of {root.name} or below with number {number}; "
                "record the hotline first and use its number as recorded.",
            )  # fmt: skip
            continue
        hotline, owner = matches[0]
        values = {k: row.values.get(k) for k in ("period", "calls", "crisis_calls", "referrals")}
        values["period"] = normalise_period(values["period"]) if values["period"] is not None else None
        if values["period"] is None or duplicate(plan, seen, (hotline.id, values["period"]), row, "period"):
            continue
        if not _validate(plan, row, validate, values, owner, "calls"):
            continue
        if owner.kind not in HOTLINE_OWNERS:
            continue
        plan.writes_period(owner.id, values["period"], row, "period")
        record = by_key.get((hotline.id, values["period"]))
        counts = {k: values[k] for k in ("calls", "crisis_calls", "referrals")}
        if record is None:
            plan.new.append(_new(HotlineCallCount, owner, {"hotline_id": hotline.id, "period": values["period"], **counts}))
        else:
            plan.keep(record, counts)


# --- training attendance -----------------------------------------------------------------------

SESSION_FIELDS = ("ends_on", "hours", "credits")


async def plan_training(session: AsyncSession, root: Tenant, parsed: ParsedSheet, today: dt.date, plan: Plan) -> None:
    if root.kind not in TRAINING_OWNERS:
        plan.error(
            parsed.rows[0], "programme", "TENANT_KIND", "该单位不能记录培训。", f"A {root.kind.lower()} records no training."
        )
        return
    units = await units_by_code(session, root, (r.values["unit_code"] for r in parsed.rows if r.values.get("unit_code")))
    programmes = {
        (p.name, p.level, p.year): p
        for p in (await session.execute(select(TrainingProgramme).where(TrainingProgramme.tenant_id == root.id))).scalars()
    }
    sessions = {
        (s.programme_id, s.title, s.starts_on): s
        for s in await load_in(
            session,
            lambda batch: select(TrainingSession).where(TrainingSession.programme_id.in_(batch)),
            (p.id for p in programmes.values()),
        )
    }
    staff = {(s.tenant_id, s.staff_code): s for s in await _staff_of(session, units, root, parsed)}
    attendance = {
        (a.session_id, a.staff_id): a
        for a in await load_in(
            session,
            lambda batch: select(TrainingAttendance).where(TrainingAttendance.session_id.in_(batch)),
            (s.id for s in sessions.values()),
        )
    }
    seen: dict[Any, int] = {}
    session_rows: dict[Any, int] = {}
    for row in parsed.rows:
        v = row.values
        if any(v.get(k) is None for k in ("programme", "level", "year", "session", "starts_on", "ends_on", "hours", "credits")):
            continue  # a required cell is empty or bad: reported by the reader
        programme_key = (v["programme"], v["level"], v["year"])
        programme = programmes.get(programme_key)
        if programme is None:
            audience = v.get("audience") or "MENTAL_HEALTH_TEACHERS"
            values = {"name": v["programme"], "level": v["level"], "year": v["year"], "audience": audience}
            if not _validate(
                plan, row, functools.partial(validate_programme, today=today), values, root, "programme", name="programme"
            ):
                continue
            programme = programmes[programme_key] = _new(TrainingProgramme, root, values)
            plan.new.append(programme)
        elif v.get("audience") is not None and v["audience"] != programme.audience:
            plan.error(
                row, "audience", "AUDIENCE_DIFFERS",
                "培训对象与该项目已登记的培训对象不一致。",
                f"The programme is for {programme.audience}; leave 培训对象 empty or give the programme's own audience "
                "(change a recorded programme in the console).",
            )  # fmt: skip
            continue
        session_key = (programme.id, v["session"], v["starts_on"])
        facts = {"title": v["session"], "starts_on": v["starts_on"], **{k: v[k] for k in SESSION_FIELDS}}
        training_session = sessions.get(session_key)
        if training_session is None:
            if not _validate(plan, row, validate_training_session, facts, root, "session", title="session"):
                continue
            training_session = sessions[session_key] = _new(TrainingSession, root, {"programme_id": programme.id, **facts})
            plan.new.append(training_session)
            session_rows[session_key] = row.number
        elif any(getattr(training_session, k) != facts[k] for k in SESSION_FIELDS):
            first = session_rows.get(session_key)
            plan.error(
                row, "ends_on", "SESSION_DIFFERS",
                f"同一场次的结束日期、学时或学分与{'第 ' + str(first) + ' 行' if first else '系统中已登记的'}不一致。",
                f"The session's end date, hours or credits differ from {'row ' + str(first) if first else 'the session as recorded'}; "
                "give every row of a session the same facts (change a recorded session in the console).",
            )  # fmt: skip
            continue
        unit = unit_of(plan, row, units, root, ("SCHOOL", "COUNTY"))
        code = v.get("staff_code")
        if unit is None or code is None:
            continue
        teacher = staff.get((unit.id, code))
        if teacher is None:
            plan.error(
                row, "staff_code", "STAFF_UNKNOWN",
                f"{unit.name} 没有工号为 {code} 的教职工；请先导入教职工名册。",
                f"{unit.name} has no staff member numbered {code}; import the staff roster first.",
            )  # fmt: skip
            continue
        if duplicate(plan, seen, (training_session.id, teacher.id), row, "staff_code"):
            continue
        values = {"completed": True if v.get("completed") is None else v["completed"], "credits_awarded": v["credits_awarded"]}
        check = functools.partial(validate_attendance, today=today, training_session=training_session, programme_owner=root)
        if not _validate(plan, row, check, values, unit, "staff_code", staff_id="staff_code"):
            continue
        year = training_session.ends_on.year
        plan.writes_period(teacher.tenant_id, str(year), row, "credits_awarded")
        record = attendance.get((training_session.id, teacher.id))
        if record is None:
            plan.new.append(
                _new(
                    TrainingAttendance,
                    unit,
                    {
                        "session_id": training_session.id,
                        "staff_id": teacher.id,
                        "credit_year": year,
                        "audience": programme.audience,
                        **values,
                    },
                )
            )
        else:
            plan.keep(record, {**values, "credit_year": year, "audience": programme.audience})


PLANNERS: dict[str, Planner] = {"staff": plan_staff, "stations": plan_stations, "calls": plan_calls, "training": plan_training}
