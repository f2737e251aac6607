"""Demo carriers: the five of seed 001's 배송업체 관리, with tracking link templates ({invoice} is the
invoice number). Loading them twice changes nothing."""

from __future__ import annotations

from models.shipping import Carrier

DEMO_CARRIERS = [
    ("PO", "우체국", "https://service.epost.go.kr/trace.RetrieveDomRigiTraceList.comm?sid1={invoice}"),
    ("HJ", "한진택배", "https://www.hanjin.com/kor/CMS/DeliveryMgr/WaybillResult.do?mCode=MN038&wblnum={invoice}"),
    ("KD", "경동택배", "https://kdexp.com/service/delivery/delivery_result.do?barcode={invoice}"),
    ("CJ", "CJ대한통운", "https://trace.cjlogistics.com/next/tracking.html?wblNo={invoice}"),
    ("CN", "편의점택배", "https://www.cvsnet.co.kr/invoice/tracking.do?invoice_no={invoice}"),
]


async def load_demo_carriers() -> int:
    for code, name, url in DEMO_CARRIERS:
        await Carrier.get_or_create(code=code, defaults={"name": name, "tracking_url": url})
    return await Carrier.all().count()
