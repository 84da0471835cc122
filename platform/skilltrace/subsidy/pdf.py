"""The training certificate (培训合格证书) as PDF, drawn with reportlab's built-in
STSong-Light CID font (no font file needed; Chinese readers substitute Song)."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from skilltrace.subsidy.models import TrainingCertificate

FONT = "STSong-Light"
LEVELS = {
    "5": "五级/初级工",
    "4": "四级/中级工",
    "3": "三级/高级工",
    "2": "二级/技师",
    "1": "一级/高级技师",
}


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def certificate_pdf(cert: TrainingCertificate) -> bytes:
    """One landscape A4 page with the certificate's fields (ID number masked)."""
    font = _font()
    out = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(out, pagesize=(width, height))
    pdf.setTitle(f"培训合格证书 {cert.serial}")
    pdf.setAuthor(cert.provider_name)
    pdf.setLineWidth(2)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    pdf.setFont(font, 30)
    pdf.drawCentredString(width / 2, height - 45 * mm, "培训合格证书")
    pdf.setFont(font, 12)
    pdf.drawRightString(width - 22 * mm, height - 25 * mm, f"证书编号：{cert.serial}")
    lines = [
        f"姓名：{cert.name}        身份证号：{cert.id_number_masked}",
        f"于 {cert.start_date:%Y年%m月%d日} 至 {cert.end_date:%Y年%m月%d日} 参加",
        f"《{cert.course_title}》培训（职业（工种）：{cert.occupation}，"
        f"等级：{LEVELS.get(cert.skill_level, cert.skill_level)}），",
        "完成规定学时并考核合格，特发此证。",
    ]
    pdf.setFont(font, 16)
    y = height - 75 * mm
    for line in lines:
        pdf.drawString(35 * mm, y, line)
        y -= 14 * mm
    pdf.setFont(font, 14)
    pdf.drawRightString(width - 35 * mm, 45 * mm, f"培训机构：{cert.provider_name}")
    pdf.drawRightString(width - 35 * mm, 35 * mm, f"发证日期：{cert.issued_on:%Y年%m月%d日}")
    pdf.setFont(font, 10)
    pdf.drawString(22 * mm, 20 * mm, "凭证书编号与姓名可在“技训通”证书查验页面核验真伪。")
    if cert.revoked_at is not None:
        pdf.setFont(font, 48)
        pdf.setFillColorRGB(0.8, 0, 0)
        pdf.drawCentredString(width / 2, height / 2, "已撤销")
    pdf.showPage()
    pdf.save()
    return out.getvalue()
