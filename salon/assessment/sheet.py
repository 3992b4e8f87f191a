"""The 考核通报 as an .xlsx: 排名 (each unit's total, rank, change and raw values), 指标与口径,
捆绑考评 — made from `report.report_content`, so it carries the same fingerprint."""
import io

from ..textnorm import printable
from .models import DIRECTIONS, NORMALISATIONS, ROLLUPS

MISSING = "缺报"


def workbook_bytes(content: dict, fingerprint: str) -> bytes:
    from openpyxl import Workbook  # imported on use, as the ledger does
    from openpyxl.styles import Font

    book = Workbook()
    bold = Font(bold=True)
    ranking = book.active
    ranking.title = "排名"
    codes = [i["code"] for i in content["indicators"]]
    names = [i["name"] for i in content["indicators"]]
    ranking.append([f"{content['label']}考核排名"])
    ranking.append(["分组", "名次", "单位", "总分", "较上期", "末位", "缺报指标", *names])
    for cell in ranking[2]:
        cell.font = bold
    for row in content["ranking"]:
        ranking.append([
            row["group"], row["rank"], printable(row["unit"]), row["score"], row["change"],
            "是" if row["last_place"] else "", "、".join(
                n for c, n in zip(codes, names, strict=True) if c in row["missing"]),
            *[MISSING if row["indicators"].get(c) is None and c in row["missing"]
              else row["indicators"].get(c) for c in codes]])
    ranking.append([])
    ranking.append([f"内容指纹（SHA-256）：{fingerprint}"])
    indicators = book.create_sheet("指标与口径")
    indicators.append(["代码", "名称", "方向", "权重", "折算", "复杂程度调整", "警务室汇总",
                       "口径"])
    for cell in indicators[1]:
        cell.font = bold
    for i in content["indicators"]:
        indicators.append([i["code"], i["name"], DIRECTIONS.get(i["direction"]), i["weight"],
                           NORMALISATIONS.get(i["normalisation"]),
                           "是" if i["applies_complexity"] else "", ROLLUPS.get(i["rollup"]),
                           printable(i["definition"])])
    pairs = book.create_sheet("捆绑考评")
    pairs.append(["局领导", "挂点单位", "捆绑得分"])
    for cell in pairs[1]:
        cell.font = bold
    for p in content["leaders"]:
        pairs.append([printable(p["leader"]), "、".join(p["units"]), p["score"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
