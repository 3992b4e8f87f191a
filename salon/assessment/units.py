"""Unit profiles (辖区人口, 复杂程度, 所属派出所, 联系领导) and brands (一所一品牌)."""
from sqlalchemy import func
from sqlalchemy.orm import selectinload

from ..accounts.models import COMPLEXITY_MAX, COMPLEXITY_MIN, Unit, User
from ..errors import InvalidInput, NotAllowed
from ..extensions import db
from ..timeutil import now
from .models import Brand
from .scoring import UnitData

# The units assessed, each kind ranked among its own kind.
ASSESSED_KINDS = {"station": "派出所", "post": "警务室"}
POPULATION_MAX = 10_000_000
BRAND_NAME_MAX, SLOGAN_MAX, METHOD_MAX = 60, 120, 20000


def officer_counts() -> dict[int, int]:
    """Active people per unit (admins aside): what 'per officer' divides by."""
    return dict(db.session.execute(
        db.select(User.unit_id, func.count(User.id))
        .where(User.active.is_(True), User.role != "admin").group_by(User.unit_id)).all())


def assessed_units() -> list[UnitData]:
    """Every 派出所 and 警务室 as plain data for scoring (two queries)."""
    counts = officer_counts()
    units = db.session.scalars(db.select(Unit).where(Unit.kind.in_(ASSESSED_KINDS))
                               .order_by(Unit.kind.desc(), Unit.name)).all()
    return [UnitData(id=u.id, name=u.name, group=ASSESSED_KINDS[u.kind],
                     officers=counts.get(u.id, 0), population=u.population,
                     complexity=u.complexity or 1.0, parent_id=u.parent_id) for u in units]


def save_profile(unit: Unit, population, complexity, parent_id, leader_ids: list[int]) -> Unit:
    """Admin: 辖区人口, 治安复杂程度系数, the 警务室's 派出所, the 联系领导. The caller commits."""
    if population in (None, ""):
        unit.population = None
    else:
        try:
            people = int(str(population).strip())
        except ValueError:
            raise InvalidInput("辖区人口须为整数。", field="population") from None
        if not 0 <= people <= POPULATION_MAX:
            raise InvalidInput(f"辖区人口须在 0–{POPULATION_MAX} 之间。", field="population")
        unit.population = people
    try:
        weight = float(str(complexity if complexity not in (None, "") else 1.0).strip())
    except ValueError:
        raise InvalidInput("治安复杂程度系数须为数字。", field="complexity") from None
    if not COMPLEXITY_MIN <= weight <= COMPLEXITY_MAX:
        raise InvalidInput(f"治安复杂程度系数须在 {COMPLEXITY_MIN}–{COMPLEXITY_MAX} 之间。",
                           field="complexity")
    unit.complexity = weight
    parent = db.session.get(Unit, int(parent_id)) if str(parent_id or "").isdigit() else None
    if parent_id not in (None, "") and parent is None:
        raise InvalidInput("所选派出所不存在。", field="parent_id")
    if parent is not None and (unit.kind != "post" or parent.kind != "station"):
        raise InvalidInput("只有警务室可以隶属于派出所。", field="parent_id")
    unit.parent = parent
    leaders = list(db.session.scalars(db.select(User).where(
        User.id.in_(leader_ids or []), User.role == "leader")))
    if len(leaders) != len(set(leader_ids or [])):
        raise InvalidInput("联系领导须为局领导。", field="leader_ids")
    unit.contact_leaders = leaders
    return unit


def may_edit_brand(user, unit: Unit) -> bool:
    """A unit's head, or an organizer."""
    if not user.is_authenticated:
        return False
    return user.has_role("organizer") or (user.unit_head and user.unit_id == unit.id
                                           and not user.has_role("admin"))


def save_brand(user, unit: Unit, name: str, slogan: str, method: str) -> Brand:
    """品牌名, 口号, 工作法 (Markdown, rendered and sanitised now). The caller commits."""
    if not may_edit_brand(user, unit):
        raise NotAllowed("只有本单位负责人或组织者可以编辑品牌。")
    name, slogan, method = (name or "").strip(), (slogan or "").strip(), (method or "").strip()
    if not name:
        raise InvalidInput("请填写品牌名称。", field="name")
    if len(name) > BRAND_NAME_MAX:
        raise InvalidInput(f"品牌名称最多 {BRAND_NAME_MAX} 字。", field="name")
    if len(slogan) > SLOGAN_MAX:
        raise InvalidInput(f"口号最多 {SLOGAN_MAX} 字。", field="slogan")
    if len(method) > METHOD_MAX:
        raise InvalidInput(f"工作法最多 {METHOD_MAX} 字。", field="method")
    brand = brand_of(unit.id)
    if brand is None:
        brand = Brand(unit_id=unit.id)
        db.session.add(brand)
    brand.name, brand.slogan = name, slogan
    brand.method = method  # rendered by the keep_rendered listener (TooComplex if too much)
    brand.updated_by_id, brand.updated_at = user.id, now()
    db.session.flush()
    return brand


def brand_of(unit_id: int) -> Brand | None:
    return db.session.scalar(db.select(Brand).filter_by(unit_id=unit_id))


def all_brands() -> list[Brand]:
    return list(db.session.scalars(
        db.select(Brand).join(Brand.unit).options(selectinload(Brand.unit))
        .order_by(Unit.kind.desc(), Unit.name)))
