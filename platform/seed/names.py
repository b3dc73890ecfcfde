"""Plausible Chinese names for invented people and places.

Every function draws from the `random.Random` it is given and from fixed tuples (never from sets,
whose string order changes with PYTHONHASHSEED), so a seed always yields the same names.
"""

from __future__ import annotations

import random

# Roughly by frequency: the first dozen surnames cover about half of the population.
SURNAMES = tuple(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严赖覃洪武戴莫孔"
)
SURNAME_WEIGHTS = tuple(max(1.0, 30.0 - i * 0.6) for i in range(len(SURNAMES)))

_GIVEN_FEMALE = tuple("秀英华慧玲芳娟敏静丽艳霞婷雪颖琳晶欣怡佳雯倩洁梅兰红燕萍琴璐瑶菲蕾露晓丹宁")
_GIVEN_MALE = tuple("伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆志文建国峰林亮东海成")
_GIVEN_ANY = tuple("子思雨欣晨嘉一梓小文诗明春秋佳安乐心若和")

# Place-name syllables in the style of southern Jiangxi: a first and a second character.
_PLACE_FIRST = tuple("龙石东西南大长青白黄金银桃梅杨柳凤云沙清田新高上下坪茶竹樟枫松麻杉洋珠铁盘丰安兴永宝福仁")
_PLACE_SECOND = tuple("口坑塘田坪岗溪江桥湾源陂圩埠洲山岭坝铺岩背头村湖冈畲坊峰寨水")
_COUNTY_FIRST = tuple("瑞宁安兴信丰崇定会寻于全和永平昌德泰顺章贡桃琴虔濂梅贺云崖宜吉庐新万")
_COUNTY_SECOND = tuple("都昌丰南安城阳江源宁康义远川平山溪金乐化水华峰州岭")
_ROADS = tuple("人民 解放 文化 建设 红旗 长征 滨江 章江 迎宾 健康 青年 光明 教育 新华 中山".split())

# Invented prefecture-level cities: historical or poetic names, none of them a current city.
CITY_NAMES = ("洪州市", "昌南市", "萍川市", "浔阳市", "渝水市", "信江市", "赣源市", "庐陵市", "袁州市", "临川市", "饶州市", "贡江市", "修河市")

# The most cities one province may have when their names are made (see city_name).
CITIES_PER_PROVINCE = 24

_DIGITS = "零一二三四五六七八九"

# Themes of county and city training sessions (mental-health education for teachers).
TRAINING_TOPICS = (
    "学生心理危机识别与干预",
    "沙盘游戏在学校心理辅导中的应用",
    "团体心理辅导设计与实施",
    "青春期学生情绪管理",
    "心理健康教育课程设计与说课",
    "学生心理测评与档案管理",
    "家校协同与家庭教育指导",
    "校园欺凌预防与处置",
    "留守儿童心理关爱",
    "考前心理调适与压力管理",
    "个体心理辅导技术",
    "生命教育与自伤预防",
)


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 23 → 二十三 (up to 99), as used in school and session names."""
    if not 0 < n < 100:
        raise ValueError(f"chinese_number handles 1-99, got {n}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def person_name(rng: random.Random, gender: str) -> str:
    """A surname and a one- or two-character given name suited to the gender."""
    surname = rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]
    pool = _GIVEN_FEMALE if gender == "FEMALE" else _GIVEN_MALE if gender == "MALE" else _GIVEN_ANY
    if rng.random() < 0.3:
        return surname + rng.choice(pool)
    return surname + rng.choice(_GIVEN_ANY + pool) + rng.choice(pool)


def mobile_number(rng: random.Random) -> str:
    """An 11-digit mainland mobile number on a 13x, 15x or 18x prefix."""
    prefix = rng.choice(("13", "15", "18"))
    third = rng.choice("0123456789" if prefix != "15" else "012356789")
    return f"{prefix}{third}{rng.randrange(10**8):08d}"


def place_names(rng: random.Random, count: int, taken: list[str] | None = None) -> list[str]:
    """`count` distinct two-character town or village names, avoiding those in `taken`."""
    used = list(taken or ())
    if count + len(used) > len(_PLACE_FIRST) * len(_PLACE_SECOND) // 2:
        raise ValueError(f"{count} place names are too many to draw without long retries; split the county")
    names: list[str] = []
    while len(names) < count:
        name = rng.choice(_PLACE_FIRST) + rng.choice(_PLACE_SECOND)
        if name not in used:
            used.append(name)
            names.append(name)
    return names


def county_stem(rng: random.Random, taken: list[str]) -> str:
    """A two-character county stem not yet used in the deployment (the caller adds 区, 县 or 市)."""
    if len(taken) >= len(_COUNTY_FIRST) * len(_COUNTY_SECOND) // 2:
        raise ValueError(f"{len(taken)} counties already named; the name pools are too small for more")
    while True:
        stem = rng.choice(_COUNTY_FIRST) + rng.choice(_COUNTY_SECOND)
        if stem not in taken and stem + "市" not in CITY_NAMES:
            taken.append(stem)
            return stem


def city_name(province: str, number: int) -> str:
    """The name of city `number` (prefecture digits) of `province`: the fixed names in 36, else made.

    Made names walk the place-name syllables by (province, number), so they are unique in the
    deployment without drawing from the seeded stream (which would shift every row after them).
    """
    if province == "36" and number <= len(CITY_NAMES):
        return CITY_NAMES[number - 1]
    # Provinces 11..65 with at most 24 cities each fill exactly the 44 x 30 syllable pairs.
    if not (11 <= int(province) <= 65 and 1 <= number <= CITIES_PER_PROVINCE):
        raise ValueError(f"no name for city {number} of province {province}: at most {CITIES_PER_PROVINCE} per province 11-65")
    first, second = divmod((int(province) - 11) * CITIES_PER_PROVINCE + number - 1, len(_PLACE_SECOND))
    return _PLACE_FIRST[first] + _PLACE_SECOND[second] + "州市"


def address(rng: random.Random, place: str) -> str:
    """A street address in `place` (a county or town name)."""
    return f"{place}{rng.choice(_ROADS)}路{rng.randint(1, 399)}号"
