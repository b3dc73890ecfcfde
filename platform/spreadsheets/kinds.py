"""The four import templates a school or county fills in each year, column by column.

Each kind names its sheet (the Chinese name is how a file is recognised), the domain resource it
writes (the permission the importer needs), and its columns. Enum columns show Chinese labels and
store the domain's codes; code columns are text so leading zeros survive.
"""

from __future__ import annotations

from dataclasses import dataclass

from runxin.platform.spreadsheets.columns import BOOL, CHOICE, CODE, DATE, DECIMAL, INT, TEXT, Column

STAFF_KINDS = {
    "专职心理健康教育教师": "FULL_TIME",
    "兼职心理健康教育教师": "PART_TIME",
    "专业心理咨询师": "HIRED_COUNSELLOR",
    "班主任": "HOMEROOM",
    "学科教师": "TEACHER",
    "校长": "PRINCIPAL",
}
GENDERS = {"女": "FEMALE", "男": "MALE", "未填": "UNDISCLOSED"}
AUDIENCES = {
    "心理健康教育教师": "MENTAL_HEALTH_TEACHERS",
    "班主任": "HOMEROOM_TEACHERS",
    "校长": "PRINCIPALS",
    "新教师": "NEW_TEACHERS",
    "全体教职工": "ALL_STAFF",
}
LEVELS = {"国家级": "NATIONAL", "省级": "PROVINCIAL", "市级": "CITY", "县级": "COUNTY", "校级": "SCHOOL"}
STATION_KINDS = {"阳光辅导站": "SUNSHINE_STATION", "心理辅导室": "COUNSELLING_ROOM", "基本辅导场所": "BASIC_PLACE"}
STATION_STATUSES = {"筹建中": "PLANNED", "运行中": "OPERATIONAL", "暂停": "SUSPENDED"}
QUALIFICATIONS = {
    "心理学学位": "PSY_DEGREE",
    "心理咨询师证": "COUNSELLOR_CERT",
    "教师资格证": "TEACHER_CERT",
    "社会工作者证": "SOCIAL_WORK_CERT",
    "心理健康教育教师证": "MH_TEACHER_CERT",
}


@dataclass(frozen=True, slots=True)
class Kind:
    name: str  # the URL and API name: staff, training, calls, stations
    sheet: str  # the sheet's Chinese name
    title: str  # English, for messages
    resource: str  # the policy resource the import writes
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def index(self, key: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.key == key)


UNIT = Column(
    "unit_code", "单位代码", CODE, numeric_ok=True, width=14, note="学校标识码（10位）或区县代码（6位）；空白为导入单位本身"
)

STAFF = Kind(
    "staff",
    "教职工名册",
    "staff roster",
    "staff",
    (
        UNIT,
        Column("staff_code", "工号", CODE, required=True, width=12, note="本单位内唯一；再次导入按工号更新"),
        Column("name", "姓名", TEXT, required=True, width=10),
        Column("kind", "类别", CHOICE, required=True, choices=STAFF_KINDS, width=22),
        Column("gender", "性别", CHOICE, choices=GENDERS, width=8),
        Column("birth_date", "出生日期", DATE, width=12),
        Column("phone", "手机号码", CODE, numeric_ok=True, width=14),
        Column("qualifications", "资质", TEXT, width=24, note="可填多项，用顿号或逗号分隔：" + "、".join(QUALIFICATIONS)),
        Column("strong_teacher", "骨干教师", BOOL, width=10),
        Column("employed_since", "入职日期", DATE, width=12),
        Column("active", "在职", BOOL, width=8, note="空白为“是”"),
    ),
)

TRAINING = Kind(
    "training",
    "培训参训记录",
    "training attendance",
    "training",
    (
        Column("programme", "培训项目", TEXT, required=True, width=24, note="由导入单位记录；没有则新建"),
        Column("level", "项目级别", CHOICE, required=True, choices=LEVELS, width=10),
        Column("year", "年度", INT, required=True, width=8),
        Column("session", "培训场次", TEXT, required=True, width=24, note="同一项目内按场次名称和开始日期识别"),
        Column("starts_on", "开始日期", DATE, required=True, width=12),
        Column("ends_on", "结束日期", DATE, required=True, width=12),
        Column("hours", "学时", DECIMAL, required=True, width=8),
        Column("credits", "场次学分", DECIMAL, required=True, width=10),
        Column("unit_code", "教师单位代码", CODE, numeric_ok=True, width=14, note="教师所在学校或区县；空白为导入单位本身"),
        Column("staff_code", "工号", CODE, required=True, width=12),
        Column("completed", "是否完成", BOOL, width=10, note="空白为“是”"),
        Column("credits_awarded", "获得学分", DECIMAL, required=True, width=10),
        Column("audience", "培训对象", CHOICE, choices=AUDIENCES, width=16, note="新建项目时使用；空白为“心理健康教育教师”"),
    ),
)

CALLS = Kind(
    "calls",
    "热线来电统计",
    "hotline call counts",
    "hotlines",
    (
        Column("number", "热线号码", CODE, required=True, width=16, note="与已登记的热线号码一致，如 0797-8123456"),
        Column(
            "period",
            "统计期间",
            CODE,
            required=True,
            numeric_ok=True,
            width=10,
            note="如 2025（年）、202503（月）、2025T1（秋季学期）",
        ),
        Column("calls", "来电数", INT, required=True, width=10),
        Column("crisis_calls", "危机来电数", INT, required=True, width=12),
        Column("referrals", "转介数", INT, required=True, width=10),
    ),
)

STATIONS = Kind(
    "stations",
    "辅导站情况",
    "station facts",
    "stations",
    (
        Column("unit_code", "学校标识码", CODE, numeric_ok=True, width=14, note="空白为导入单位本身；每校一行"),
        Column("name", "名称", TEXT, required=True, width=20),
        Column("kind", "类型", CHOICE, choices=STATION_KINDS, width=14),
        Column("status", "状态", CHOICE, choices=STATION_STATUSES, width=10),
        Column("opened_on", "启用日期", DATE, width=12),
        Column("area_m2", "面积（平方米）", DECIMAL, required=True, width=14, note="标准：不少于 18 平方米"),
        Column("weekly_open_hours", "每周开放小时", DECIMAL, required=True, width=14, note="标准：课外每周不少于 8 小时"),
        Column("individual_counselling", "个体辅导", BOOL, width=10),
        Column("assessment", "心理测评", BOOL, width=10),
        Column("sandplay", "沙盘", BOOL, width=8),
        Column("appointment_in_person", "现场预约", BOOL, width=10),
        Column("appointment_phone", "电话预约", BOOL, width=10),
        Column("appointment_online", "网络预约", BOOL, width=10),
        Column("duty_roster", "值班表", BOOL, width=8),
        Column("records_kept", "工作记录", BOOL, width=10),
        Column("shown_to_new_students", "向新生介绍", BOOL, width=12),
    ),
)

KINDS: dict[str, Kind] = {k.name: k for k in (STAFF, TRAINING, CALLS, STATIONS)}
BY_SHEET: dict[str, Kind] = {k.sheet: k for k in KINDS.values()}
