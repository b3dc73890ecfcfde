"""The moving parts of the chaos test: worker processes that die and come back, schools writing
at once, and the faults (SIGKILL, cut database connections, a broker restart)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from runxin.platform.courses.models import SchoolClass
from runxin.platform.courses.services import create_activity, create_class, record_term_hours
from runxin.platform.courses.terms import term_period, weeks_elapsed
from runxin.platform.errors import RunxinError
from runxin.platform.homeschool.services import create_home_visit
from runxin.platform.mentorship.services import assign_mentor
from runxin.platform.recognitions.services import create_recognition
from runxin.platform.schools.services import record_enrolment, upsert_school_profile
from runxin.platform.staffing.models import Staff
from runxin.platform.staffing.services import create_staff, update_staff
from runxin.platform.stations.models import Station
from runxin.platform.stations.services import create_station, update_station
from runxin.platform.students.care import ScreeningRound
from runxin.platform.students.models import StudentFile
from runxin.platform.students.referrals import create_referral
from runxin.platform.students.screening import create_round, record_result
from runxin.platform.students.services import create_student_file
from runxin.platform.tree.models import Tenant
from runxin.tenants.principal import Principal
from runxin.tenants.scoping import bind_principal

RUNXIN = str(Path(sys.executable).with_name("runxin"))


@dataclass
class WorkerPool:
    """`runxin worker` processes under a supervisor that restarts whichever dies (as systemd would)."""

    env: dict[str, str]
    size: int = 2
    processes: list[subprocess.Popen] = field(default_factory=list)
    restarts: int = 0
    log_dir: Path | None = None

    def _spawn(self) -> subprocess.Popen:
        command = [RUNXIN, "worker", "--threads", "2"]
        if self.log_dir is None:
            return subprocess.Popen(command, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # The child keeps its own copy of the descriptor; ours closes at once.
        with open(self.log_dir / f"worker-{time.monotonic_ns()}.log", "wb") as log:
            return subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def start(self) -> None:
        self.processes = [self._spawn() for _ in range(self.size)]

    def supervise(self) -> None:
        for i, process in enumerate(self.processes):
            if process.poll() is not None:
                self.restarts += 1
                self.processes[i] = self._spawn()

    def kill_one(self, rng: random.Random) -> None:
        process = rng.choice(self.processes)
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGKILL)

    def set_env(self, **changes: str) -> None:
        self.env = {**self.env, **changes}

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()

    def restart_all(self) -> None:
        self.stop()
        self.start()


def principal_of(school: Tenant) -> Principal:
    return Principal(
        subject=f"officer@{school.code}",
        tenant_id=school.id,
        tenant_path=school.path,
        tenant_kind=school.kind,
        roles=frozenset({"DATA_OFFICER"}),
    )


def county_principal_of(school: Tenant) -> Principal:
    """The school's county bureau (its parent: the path one segment up)."""
    return Principal(
        subject="officer@county",
        tenant_id=school.parent_id,  # type: ignore[arg-type]
        tenant_path=school.path[: school.path.rstrip("/").rfind("/") + 1],
        tenant_kind="COUNTY",
        roles=frozenset({"DATA_OFFICER"}),
    )


@dataclass
class Writers:
    """Schools writing at once, each write its own transaction through the domain services."""

    sessionmaker: async_sessionmaker[AsyncSession]
    schools: list[Tenant]
    year: int
    rng: random.Random
    writes: int = 0
    failures: int = 0

    async def one_write(self, school: Tenant) -> None:
        async with self.sessionmaker() as session:
            bind_principal(session, principal_of(school))
            if self.rng.random() < COURSE_WRITES:
                await course_write(session, school, self.year, self.rng)
                await session.commit()
                return
            choice = self.rng.random()
            if 0.9 <= choice < 0.95:
                # The county records a county-level model-school title of the school (bureaus write those).
                county = county_principal_of(school)
                bind_principal(session, county)
                await create_recognition(
                    session,
                    writer_tenant_id=county.tenant_id,
                    tenant_id=school.id,
                    values={"level": "COUNTY", "title": "县级特色学校", "recognised_on": min(dt.date(self.year, 6, 1), dt.date.today()),
                            "awarded_by": "县教育局", "certificate_no": f"C-{self.rng.randint(1, 999)}"},
                )  # fmt: skip
                await session.commit()
                return
            bind_principal(session, principal_of(school))
            if choice < 0.25:
                await create_station(
                    session,
                    tenant_id=school.id,
                    values={
                        "name": "阳光辅导站",
                        "kind": "SUNSHINE_STATION",
                        "area_m2": Decimal(self.rng.choice(["12", "24"])),
                        "weekly_open_hours": Decimal(10),
                        "individual_counselling": True,
                        "assessment": True,
                        "sandplay": True,
                    },
                )
            elif choice < 0.45:
                station_id = (await session.execute(_first(Station, school))).scalar_one_or_none()
                if station_id is not None:
                    await update_station(session, station_id, {"status": self.rng.choice(["OPERATIONAL", "SUSPENDED"])})
            elif choice < 0.65:
                kind = self.rng.choice(["FULL_TIME", "PART_TIME", "HOMEROOM", "TEACHER", "PRINCIPAL"])
                await create_staff(session, tenant_id=school.id, values={"kind": kind, "name": "教师"})
            elif choice < 0.75:
                staff_id = (await session.execute(_first(Staff, school))).scalar_one_or_none()
                if staff_id is not None:
                    await update_staff(session, staff_id, {"active": self.rng.random() < 0.5})
            elif choice < 0.9:
                await upsert_school_profile(
                    session,
                    school.id,
                    {"category": school.code[:2], "central_rank": self.rng.random() < 0.5, "independent": True},
                )
            elif choice < 0.94:
                await record_enrolment(session, school.id, self.year, self.rng.randint(100, 2400))
            elif choice < 0.97:
                await self._student_write(session, school)
            else:
                await self.home_school_write(session, school)
            await session.commit()

    async def _student_write(self, session: AsyncSession, school: Tenant) -> None:
        """A file, a round, a result or a referral: student-level writes feed the indicators too."""
        choice = self.rng.random()
        student_id = (await session.execute(_first(StudentFile, school))).scalar_one_or_none()
        if choice < 0.4 or student_id is None:
            ref = f"C{self.rng.randrange(10**6)}"
            values = {"student_ref": ref, "name": "学生", "gender": "FEMALE", "grade": self.rng.randint(1, 12)}
            await create_student_file(session, tenant_id=school.id, values=values)
            return
        round_id = (await session.execute(_first(ScreeningRound, school))).scalar_one_or_none()
        if choice < 0.55 or round_id is None:
            await create_round(session, tenant_id=school.id, values={"held_on": min(dt.date(self.year, 10, 10), dt.date.today()), "title": "筛查"})
        elif choice < 0.9:
            level = self.rng.choice(["NONE", "MILD", "MODERATE", "SEVERE"])
            await record_result(session, round_id=round_id, student_id=student_id, level=level)
        else:
            await create_referral(session, values={"student_id": student_id, "hospital": "医院", "referred_on": dt.date.today()})

    async def home_school_write(self, session: AsyncSession, school: Tenant) -> None:
        """A student file, a home visit or a mentor for it (student-level rows feed the indicators too)."""
        student_id = (await session.execute(_first(StudentFile, school))).scalar_one_or_none()
        staff_id = (await session.execute(_first(Staff, school))).scalar_one_or_none()
        if student_id is None or staff_id is None:
            values = {"student_ref": f"C{self.rng.randrange(10**6)}", "name": "学生", "gender": "FEMALE", "grade": 7}
            await create_student_file(session, tenant_id=school.id, values=values)
            return
        if self.rng.random() < 0.5:
            await create_home_visit(
                session, student_file_id=student_id,
                values={"staff_id": staff_id, "visited_on": dt.date.today(), "mode": self.rng.choice(["IN_PERSON", "PHONE"])},
            )  # fmt: skip
        else:
            # A second mentor for the same year is refused (a RunxinError the writer counts): nothing half-written.
            await assign_mentor(session, student_file_id=student_id, values={"mentor_staff_id": staff_id, "school_year": self.year})

    async def run(self, until: float, concurrency: int = 8) -> None:
        async def writer() -> None:
            while time.monotonic() < until:
                try:
                    await self.one_write(self.rng.choice(self.schools))
                    self.writes += 1
                except (RunxinError, OperationalError, DBAPIError, ConnectionError, OSError):
                    # A cut connection or a lost race: the write did not commit (nothing half-written); go on.
                    self.failures += 1
                await asyncio.sleep(self.rng.uniform(0, 0.02))

        await asyncio.gather(*(writer() for _ in range(concurrency)))


# A share of the writes are to the courses domain (classes, term hours, activities).
COURSE_WRITES = 0.25


async def course_write(session: AsyncSession, school: Tenant, year: int, rng: random.Random) -> None:
    """A class of `year`, its hours for the term under way so far, or an activity held this term."""
    today = dt.date.today()
    term = term_period(today)
    choice = rng.random()
    if choice < 0.3:
        grade = rng.randint(1, 6)
        values = {"school_year": year, "grade": grade, "name": f"{grade}年级({rng.randint(1, 9)})班",
                  "health_committee_boys": rng.choice([None, 1, 2]), "health_committee_girls": 2}  # fmt: skip
        await create_class(session, tenant_id=school.id, values=values)
    elif choice < 0.7 and term is not None and term.id.startswith(str(year)):
        class_id = (await session.execute(_first(SchoolClass, school))).scalar_one_or_none()
        if class_id is not None:
            weeks = rng.randint(1, max(1, weeks_elapsed(term, today)))
            hours = rng.randint(max(0, weeks // 2 - 1), weeks)
            await record_term_hours(session, class_id, term.id, weeks, hours, weeks // 4)
    elif term is not None:
        held_on = term.start + dt.timedelta(days=rng.randint(0, (today - term.start).days))
        kind = rng.choice(["PARENT_TRAINING", "ADAPTATION_TERM_START", "ADAPTATION_PRE_EXAM"])
        await create_activity(session, tenant_id=school.id, values={"kind": kind, "held_on": held_on, "title": "活动"})


def _first(model: type, school: Tenant):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    return select(model.id).where(model.tenant_id == school.id).order_by(model.id).limit(1)


async def cut_database_connections(admin_url: str, database: str) -> int:
    """Terminate every session of the application on `database` (as a failover or a network cut would)."""
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :db AND application_name = 'runxin' AND pid <> pg_backend_pid()"
                ),
                {"db": database},
            )
            return len(rows.all())
    finally:
        await engine.dispose()


def rabbitmqctl() -> str:
    """The broker's control command: on PATH, or where Debian installs it (sbin is often off a CI PATH)."""
    return shutil.which("rabbitmqctl") or next(
        (path for path in ("/usr/sbin/rabbitmqctl", "/usr/lib/rabbitmq/bin/rabbitmqctl") if os.path.exists(path)), "rabbitmqctl"
    )


def restart_rabbitmq(down_seconds: float = 2.0) -> None:
    """Stop the broker application and start it again (durable queues and persistent messages survive)."""
    subprocess.run([rabbitmqctl(), "stop_app"], check=True, capture_output=True, timeout=60)
    try:
        time.sleep(down_seconds)
    finally:
        subprocess.run([rabbitmqctl(), "start_app"], check=True, capture_output=True, timeout=120)
        subprocess.run([rabbitmqctl(), "await_startup"], check=False, capture_output=True, timeout=120)


def rabbitmqctl_available() -> bool:
    try:
        return subprocess.run([rabbitmqctl(), "status"], check=False, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def worker_env(database_url: str, broker_url: str, namespace: str, data_dir: Path, crash_points: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNXIN_")}
    return {
        **env,
        "RUNXIN_DATABASE_URL": database_url,
        "RUNXIN_BROKER_URL": broker_url,
        "RUNXIN_QUEUE_NAMESPACE": namespace,
        "RUNXIN_DATA_DIR": str(data_dir),
        "RUNXIN_SWEEP_SECONDS": "0.5",
        "RUNXIN_ROLLUP_YEARS": env.get("RUNXIN_ROLLUP_YEARS", ""),
        "RUNXIN_CRASH_POINTS": crash_points,
    }


def new_namespace() -> str:
    return f"chaos{uuid.uuid4().hex[:8]}"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
