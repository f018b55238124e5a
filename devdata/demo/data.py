"""What the demo plants look like: lines, stations and the courses they require, names, users.

Plain data, read by devdata/demo/services.py. Course codes refer to the company
catalog (courses/catalog/catalog.toml); station courses are picked from the
process area the station works in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Every random choice of the demo comes from random.Random seeded with this and a purpose.
SEED = "certtrack-demo"


@dataclass(frozen=True)
class StationSpec:
    code: str
    name: str
    courses: tuple[str, ...]
    per_shift_target: int = 1  # qualified operators needed on every shift the line runs (DOMAIN.md)
    trainers_needed: int = 0  # of them holding every station course at level O (can train others)
    staffing: float = 1.0  # relative share of the line's operators (a new station has few)
    # Station courses required at a level other than U (course code -> L/U/O).
    min_levels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class LineProfile:
    """How well trained a line is: drives the share of people with gaps and lapses."""

    gap_rate: float  # share of people who never took one or two required courses
    lapse_rate: float  # share of people who let a 12-month certification expire
    recent_hiring: float  # share of the roster hired in the last 12 months (ramp-up before SOP)


@dataclass(frozen=True)
class LineSpec:
    code: str
    name: str
    process_area: str
    shifts: int
    sop_months: int | None  # SOP date: first of the month this many months from today (negative: past)
    target_readiness_pct: int
    operators: int
    profile: LineProfile
    stations: tuple[StationSpec, ...]
    team_leaders: int = 3
    technicians: int = 3
    inspectors: int = 3
    # SOP ahead: station practicals of the last this many days may have been on the virtual model (0: none).
    virtual_training_days: int = 0


@dataclass(frozen=True)
class PlantSpec:
    code: str
    name: str
    country: str
    time_zone: str
    number_prefix: str
    lines: tuple[LineSpec, ...]
    plant_wide_courses: tuple[str, ...]
    # Staff without a line: role code -> headcount.
    plant_staff: dict[str, int] = field(default_factory=dict)
    shift_codes: tuple[str, ...] = ("A", "B", "C")  # the plant's ordered shift codes; a line runs the first n
    name_style: str = "zh"
    default_language: str = "en"  # the language of the plant's users who choose none (issue #19)


PLANT_WIDE_COURSES = ("HV-001", "EHS-001", "EHS-002", "EHS-004")

# --- Stations, reused by both plants (a company standard line layout) -----------------

MOD1_STATIONS = (
    StationSpec("S010", "Cell incoming inspection and OCV check", ("CELL-003", "CELL-004", "CELL-009")),
    StationSpec("S020", "Cell surface cleaning and plasma treatment", ("CELL-002", "CELL-011")),
    StationSpec("S030", "Cell stacking with compression fixture", ("MOD-002", "MOD-003", "MOD-009")),
    StationSpec("S040", "Structural adhesive dispensing", ("JOIN-008", "JOIN-009", "JOIN-011")),
    StationSpec("S050", "Module housing and end plate assembly", ("MOD-004", "MOD-005", "MOD-012")),
    StationSpec("S060", "Cell contact system placement", ("MOD-006", "MOD-013")),
    StationSpec(
        "S070", "Laser welding busbars", ("JOIN-003", "JOIN-004", "JOIN-006"), per_shift_target=2, trainers_needed=1
    ),
    StationSpec("S080", "Sensing harness connection", ("MOD-007", "BMS-002")),
    StationSpec("S090", "Module end-of-line test", ("MOD-008", "HV-005")),
    StationSpec("S100", "Module labelling and MES marriage", ("MOD-014", "QLT-001")),
)

PACK1_STATIONS = (
    StationSpec("S010", "Housing preparation and gaskets", ("BAT-PACK-001", "BAT-PACK-004", "BAT-PACK-017")),
    StationSpec("S020", "TIM dispensing (gap filler)", ("THM-002", "THM-003", "JOIN-011")),
    StationSpec("S030", "Cooling plate and coolant hose connection", ("THM-004", "THM-005"), per_shift_target=2),
    StationSpec("S040", "Module insertion with gantry manipulator", ("BAT-PACK-005", "MOD-012")),
    StationSpec("S050", "Module screw tightening", ("BAT-PACK-002", "BAT-PACK-011")),
    StationSpec("S060", "HV busbar installation and torque", ("BAT-PACK-006", "HV-004"), trainers_needed=1),
    StationSpec("S070", "LV harness and BMS slave board installation", ("BAT-PACK-008", "BMS-003")),
    StationSpec("S080", "HV connector mating", ("BAT-PACK-007", "BAT-PACK-009")),
    StationSpec("S090", "Battery disconnect unit assembly", ("BAT-PACK-010", "HV-005")),
    StationSpec("S100", "Lid closing, mica sheet and vent valve", ("BAT-PACK-015", "BAT-PACK-011", "BAT-PACK-014")),
    # Rework of energised packs: only a trainer-grade operator (O) may do it.
    StationSpec(
        "S110", "Energised pack rework", ("BAT-PACK-012", "HV-007"), min_levels=(("BAT-PACK-012", "O"),), staffing=0.6
    ),
)

EOL1_STATIONS = (
    StationSpec("S010", "Helium leak test", ("LEAK-003", "LEAK-006", "LEAK-007")),
    StationSpec("S020", "Cooling circuit pressure-decay leak test", ("LEAK-002", "LEAK-004")),
    StationSpec("S030", "Insulation and hipot test", ("EOL-002", "EOL-003")),
    StationSpec("S040", "BMS flashing and variant coding", ("BMS-004", "BMS-010", "BMS-012")),
    StationSpec("S050", "EOL tester", ("EOL-004", "EOL-006", "EOL-010"), per_shift_target=2, trainers_needed=1),
    StationSpec("S060", "Equipotential bonding check", ("EOL-005", "EOL-008")),
    StationSpec("S070", "IP67 immersion test", ("LEAK-002", "LEAK-010")),
    StationSpec("S080", "Final inspection and labelling", ("BAT-PACK-014", "QLT-003")),
    # Added for the next pack variant: one trained person so far (a single point of failure).
    StationSpec(
        "S090", "Golden sample verification", ("EOL-012", "EOL-007"), staffing=0.15, min_levels=(("EOL-012", "O"),)
    ),
)

FORM1_STATIONS = (
    StationSpec("S010", "Formation tray loading", ("FORM-002", "FORM-006")),
    StationSpec("S020", "High-temperature aging room", ("FORM-003", "FORM-004"), trainers_needed=1),
    StationSpec("S030", "Capacity grading", ("FORM-005", "CELL-005")),
    StationSpec("S040", "Degassing and final sealing", ("FORM-007", "CELL-006")),
    StationSpec("S050", "Cell warehouse and storage", ("CELL-010", "LOG-011")),
    StationSpec("S060", "Pack packaging and shipment", ("LOG-005", "LOG-007")),
    StationSpec("S070", "Forklift line supply", ("LOG-001", "LOG-002", "LOG-009")),
)


def _pick(stations: tuple[StationSpec, ...], codes: tuple[str, ...]) -> tuple[StationSpec, ...]:
    return tuple(s for s in stations if s.code in codes)


SY = PlantSpec(
    code="SY",
    name="Shenyang",
    country="CN",
    time_zone="Asia/Shanghai",
    default_language="zh-hans",
    number_prefix="SY",
    plant_wide_courses=PLANT_WIDE_COURSES,
    plant_staff={"PE": 8, "LOG": 10, "QI": 4, "MT": 4},
    lines=(
        LineSpec(
            code="MOD1",
            name="Module assembly",
            process_area="MOD",
            shifts=3,
            sop_months=-8,
            target_readiness_pct=95,
            operators=80,
            profile=LineProfile(gap_rate=0.05, lapse_rate=0.08, recent_hiring=0.2),
            stations=MOD1_STATIONS,
        ),
        LineSpec(
            code="PACK1",
            name="Pack assembly",
            process_area="PACK",
            shifts=3,
            sop_months=4,
            target_readiness_pct=100,
            operators=88,
            profile=LineProfile(gap_rate=0.12, lapse_rate=0.14, recent_hiring=0.3),
            stations=PACK1_STATIONS,
            virtual_training_days=150,
        ),
        LineSpec(
            code="EOL1",
            name="End-of-line test",
            process_area="EOL",
            shifts=3,
            sop_months=6,
            target_readiness_pct=90,
            operators=56,
            profile=LineProfile(gap_rate=0.3, lapse_rate=0.12, recent_hiring=0.65),
            stations=EOL1_STATIONS,
        ),
        LineSpec(
            code="FORM1",
            name="Formation, aging and logistics",
            process_area="FORM",
            shifts=3,
            sop_months=10,
            target_readiness_pct=95,
            operators=50,
            profile=LineProfile(gap_rate=0.1, lapse_rate=0.14, recent_hiring=0.25),
            stations=FORM1_STATIONS,
        ),
    ),
)

DE = PlantSpec(
    code="DE",
    name="Debrecen",
    country="HU",
    time_zone="Europe/Budapest",
    default_language="hu",
    number_prefix="DE",
    plant_wide_courses=PLANT_WIDE_COURSES,
    plant_staff={"PE": 2, "LOG": 3, "MT": 1},
    shift_codes=("1", "2", "3"),  # numbered shifts (1. műszak, 2. műszak, ...); the lines run two
    name_style="hu",
    lines=(
        LineSpec(
            code="PACK1",
            name="Pack assembly",
            process_area="PACK",
            shifts=2,
            sop_months=7,
            target_readiness_pct=90,
            operators=38,
            profile=LineProfile(gap_rate=0.2, lapse_rate=0.1, recent_hiring=0.6),
            stations=_pick(PACK1_STATIONS, ("S010", "S020", "S040", "S060", "S080", "S100")),
            virtual_training_days=120,
            team_leaders=2,
            technicians=2,
            inspectors=2,
        ),
        LineSpec(
            code="EOL1",
            name="End-of-line test",
            process_area="EOL",
            shifts=2,
            sop_months=7,
            target_readiness_pct=90,
            operators=24,
            profile=LineProfile(gap_rate=0.25, lapse_rate=0.1, recent_hiring=0.6),
            stations=_pick(EOL1_STATIONS, ("S010", "S030", "S040", "S050")),
            team_leaders=2,
            technicians=2,
            inspectors=2,
        ),
    ),
)

PLANTS = (SY, DE)

# --- Names ----------------------------------------------------------------------------

# The commonest surnames first, repeated by weight so 王, 李, 张, 刘, 陈 dominate as in real rosters.
ZH_SURNAMES = (
    "王" * 8
    + "李" * 8
    + "张" * 7
    + "刘" * 6
    + "陈" * 5
    + "杨" * 4
    + "赵" * 3
    + "黄" * 3
    + "周" * 3
    + "吴" * 3
    + "徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石"
    "姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
ZH_GIVEN_NAMES = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "霞",
    "平",
    "刚",
    "丹",
    "鹏",
    "辉",
    "玲",
    "浩",
    "宇",
    "婷",
    "鑫",
    "博",
    "斌",
    "宁",
    "健",
    "峰",
    "琳",
    "颖",
    "阳",
    "秀英",
    "桂英",
    "建华",
    "志强",
    "海燕",
    "晓明",
    "建国",
    "建军",
    "秀兰",
    "玉兰",
    "国强",
    "红梅",
    "丽娟",
    "子涵",
    "欣怡",
    "浩然",
    "雨轩",
    "思远",
    "文博",
    "佳怡",
    "俊杰",
    "晓东",
    "志刚",
    "春燕",
    "金凤",
    "海涛",
    "立新",
    "晓峰",
    "雪梅",
    "婷婷",
    "家豪",
    "梓轩",
    "一鸣",
    "振华",
    "伟东",
    "丽华",
    "宏伟",
    "德明",
    "永刚",
)

HU_SURNAMES = (
    "Nagy",
    "Kovács",
    "Tóth",
    "Szabó",
    "Horváth",
    "Varga",
    "Kiss",
    "Molnár",
    "Németh",
    "Farkas",
    "Balogh",
    "Papp",
    "Takács",
    "Juhász",
    "Lakatos",
    "Mészáros",
    "Oláh",
    "Simon",
    "Rácz",
    "Fekete",
    "Szilágyi",
    "Török",
    "Fehér",
    "Balázs",
    "Gál",
    "Kis",
    "Szűcs",
    "Kocsis",
    "Pintér",
    "Fodor",
    "Szalai",
    "Sipos",
    "Magyar",
    "Lukács",
    "Gulyás",
    "Bíró",
    "Király",
    "László",
    "Katona",
    "Vass",
)
HU_GIVEN_NAMES = (
    "László",
    "István",
    "József",
    "János",
    "Zoltán",
    "Sándor",
    "Gábor",
    "Ferenc",
    "Attila",
    "Péter",
    "Tamás",
    "Zsolt",
    "Balázs",
    "Dániel",
    "Máté",
    "Ádám",
    "Bence",
    "Norbert",
    "Krisztián",
    "Róbert",
    "Mária",
    "Erzsébet",
    "Katalin",
    "Éva",
    "Ilona",
    "Anna",
    "Zsuzsanna",
    "Judit",
    "Andrea",
    "Krisztina",
    "Eszter",
    "Réka",
    "Nóra",
    "Petra",
    "Dóra",
    "Anikó",
    "Viktória",
    "Tímea",
    "Boglárka",
    "Edit",
)

# --- Demo users -----------------------------------------------------------------------


@dataclass(frozen=True)
class UserSpec:
    username: str
    first_name: str
    last_name: str
    plant: str | None  # None: company-wide admin (superuser)
    role: str | None  # PlantRole value
    description: str
    language: str = ""  # the user's preferred language; empty: the plant's default (SY Chinese, DE Hungarian)


USERS = (
    UserSpec("admin", "Ingrid", "Berg", None, None, "company admin (central training office), superuser", "en"),
    UserSpec("trainer", "建国", "刘", "SY", "trainer", "trainer at SY Shenyang"),
    UserSpec("manager", "晓东", "陈", "SY", "manager", "plant manager at SY Shenyang", "en"),
    UserSpec("hr", "丽", "王", "SY", "hr", "HR at SY Shenyang", "en"),
    UserSpec("auditor", "志刚", "孙", "SY", "auditor", "auditor at SY Shenyang", "en"),
    UserSpec("supervisor", "海燕", "赵", "SY", "supervisor", "supervisor at SY Shenyang (grants gate overrides)", "en"),
    UserSpec("manager-de", "Péter", "Kovács", "DE", "manager", "plant manager at DE Debrecen", "de"),
    UserSpec("trainer-de", "Eszter", "Nagy", "DE", "trainer", "trainer at DE Debrecen"),
)

TRAINING_LOCATIONS = {
    "SY": ("Training centre, room 1", "Training centre, room 2", "Shop floor, line side", "VR lab"),
    "DE": ("Training room A", "Training room B", "Shop floor, line side"),
}


# A line-side terminal for the demo (issue #17): a station's tablet, paired through the link seed_demo prints.
DEMO_TERMINAL = ("SY", "PACK1", "S010", "S010 tablet")
