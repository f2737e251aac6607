"""Expected failures: a machine-readable code with an English and a Korean message.

Every code is declared once in REASONS so the API, the console and the docs
agree. Raise `Refused` from resolvers; the schema turns it into typed errors in
the payload and the console into inline messages.
"""

from __future__ import annotations

from dataclasses import dataclass

REASONS: dict[str, tuple[str, str]] = {
    "UNAUTHENTICATED": ("Sign in first.", "먼저 로그인하세요."),
    "FORBIDDEN": ("You are not allowed to do this.", "이 작업을 할 권한이 없습니다."),
    "NOT_FOUND": ("It does not exist or you cannot see it.", "존재하지 않거나 볼 수 없는 항목입니다."),
    "INVALID_LOGIN": ("Wrong login id or password.", "아이디 또는 비밀번호가 올바르지 않습니다."),
    "REQUIRED": ("This field is required.", "필수 항목입니다."),
    "TOO_LONG": ("This value is too long.", "입력값이 너무 깁니다."),
    "INVALID_PHONE": (
        "Enter a mobile phone number such as 010-1234-5678.",
        "휴대폰 번호를 010-1234-5678 형식으로 입력하세요.",
    ),
    "INVALID_EMAIL": ("Enter a valid e-mail address.", "올바른 이메일 주소를 입력하세요."),
    "INVALID_LOGIN_ID": (
        "Use 3-64 letters, digits, dots, hyphens or underscores.",
        "아이디는 영문, 숫자, 점, 하이픈, 밑줄로 3-64자여야 합니다.",
    ),
    "INVALID_CHOICE": ("Choose one of the listed values.", "목록에 있는 값 중에서 선택하세요."),
    "INVALID_DATE": ("Enter a date as YYYY-MM-DD.", "날짜를 YYYY-MM-DD 형식으로 입력하세요."),
    "DUPLICATE": ("This value is already in use.", "이미 사용 중인 값입니다."),
    "WEAK_PASSWORD": ("Use at least 10 characters.", "비밀번호는 10자 이상이어야 합니다."),
    "INVALID_CURSOR": ("The page cursor is not valid.", "페이지 커서가 올바르지 않습니다."),
    "INVALID_PAGE_SIZE": ("Ask for 1 to 500 items at a time.", "한 번에 1-500개까지 조회할 수 있습니다."),
    "UNKNOWN_JOB_KIND": ("There is no such job.", "그런 작업은 없습니다."),
    # Coupon definitions
    "INVALID_AMOUNT": ("Enter a whole number of won above zero.", "0보다 큰 원 단위 금액을 입력하세요."),
    "INVALID_PERCENT": ("Enter a percentage from 1 to 100.", "1에서 100 사이의 비율을 입력하세요."),
    "CAP_NOT_ALLOWED": ("Only a percent discount takes a maximum amount.", "최대 할인 금액은 정률 할인에만 쓸 수 있습니다."),
    "GIFT_NAME_TOO_LONG": ("The gift name is limited to 64 bytes (about 21 Korean letters).",
                           "사은품 이름은 64바이트(한글 약 21자)까지입니다."),
    "BENEFIT_NOT_FOR_TYPE": ("This benefit does not fit this coupon type.", "이 쿠폰 유형에는 쓸 수 없는 혜택입니다."),
    "TARGETS_REQUIRED": ("Choose at least one category or product.", "카테고리나 상품을 하나 이상 고르세요."),
    "WINDOW_ENDS_BEFORE_START": ("The period ends before it starts.", "기간의 종료가 시작보다 앞섭니다."),
    "DAYS_REQUIRED": ("Enter the number of days (1 or more).", "사용 가능 일수(1일 이상)를 입력하세요."),
    "CODE_MODE_REQUIRED": ("Choose shared or individual codes.", "공용 또는 개별 코드를 선택하세요."),
    "INVALID_LIMIT": ("A limit is empty (unlimited) or 1 or more.", "수량 제한은 비우거나(무제한) 1 이상이어야 합니다."),
    # Issuing
    "ISSUE_NOT_ACTIVE": ("This coupon is not being issued.", "발급 중인 쿠폰이 아닙니다."),
    "ISSUE_NOT_OPEN": ("The issue period has not started.", "발급 기간이 아직 시작되지 않았습니다."),
    "ISSUE_CLOSED": ("The issue period is over.", "발급 기간이 끝났습니다."),
    "WRONG_WEEKDAY": ("Not available on this day of the week.", "오늘은 이용할 수 없는 요일입니다."),
    "WRONG_ISSUE_METHOD": ("This coupon is not issued this way.", "이 방식으로 발급하는 쿠폰이 아닙니다."),
    "ISSUE_LIMIT_REACHED": ("All of these coupons have been given out.", "준비된 쿠폰이 모두 소진되었습니다."),
    "ALREADY_ISSUED": ("The member already has as many of this coupon as allowed.",
                       "이미 받을 수 있는 만큼 받은 쿠폰입니다."),
    "WRONG_SITE": ("This coupon belongs to another site.", "다른 사이트의 쿠폰입니다."),
    "CODE_UNKNOWN": ("There is no such code.", "존재하지 않는 코드입니다."),
    "CODE_USED": ("This code has already been used.", "이미 사용된 코드입니다."),
    "CODE_GIVEN_TO_ANOTHER": ("This code was given to another member.", "다른 회원에게 지급된 코드입니다."),
    "NOT_REVOCABLE": ("Only an unused coupon can be revoked.", "사용하지 않은 쿠폰만 회수할 수 있습니다."),
    "TOO_MANY": ("That is more than can be asked for at once.", "한 번에 요청할 수 있는 수량을 넘었습니다."),
    # Checkout
    "COUPONS_DISABLED": ("Coupons cannot be used at checkout right now.", "지금은 주문에 쿠폰을 사용할 수 없습니다."),
    "COUPON_NOT_AVAILABLE": ("This coupon is used or revoked.", "이미 사용했거나 회수된 쿠폰입니다."),
    "COUPON_EXPIRED": ("This coupon has expired.", "사용 기간이 지난 쿠폰입니다."),
    "COUPON_NOT_YET_USABLE": ("This coupon cannot be used yet.", "아직 사용할 수 없는 쿠폰입니다."),
    "COUPON_USE_STOPPED": ("This coupon cannot be used now.", "사용이 중지된 쿠폰입니다."),
    "WRONG_CHANNEL": ("This coupon cannot be used on this channel.", "이 채널에서는 사용할 수 없는 쿠폰입니다."),
    "NO_ELIGIBLE_ITEMS": ("No item in the cart takes this coupon.", "이 쿠폰을 적용할 수 있는 상품이 없습니다."),
    "BELOW_MINIMUM_AMOUNT": ("The amount is below this coupon's minimum.", "쿠폰의 최소 주문 금액에 미치지 않습니다."),
    "NO_SHIPPING_FEE": ("There is no shipping fee to discount.", "할인할 배송비가 없습니다."),
    "COUPON_LIMIT_REACHED": ("This coupon has been used up.", "사용 한도가 모두 소진된 쿠폰입니다."),
    "MEMBER_LIMIT_REACHED": ("You have used this coupon as often as allowed.", "1인당 사용 한도를 넘었습니다."),
    "STACKING_CONFLICT": ("These coupons cannot be used together.", "함께 사용할 수 없는 쿠폰입니다."),
    "EMPTY_CART": ("The cart is empty.", "장바구니가 비어 있습니다."),
    "INVALID_QUANTITY": ("Quantities are whole numbers from 1.", "수량은 1 이상의 정수여야 합니다."),
    "INVALID_PRICE": ("Prices are whole won, zero or more.", "가격은 0 이상의 원 단위 정수여야 합니다."),
    "ORDER_NOT_CANCELLABLE": ("This order cannot be cancelled.", "취소할 수 없는 주문입니다."),
    # Orders
    "ORDER_NOT_AWAITING_DEPOSIT": ("Only an order awaiting its deposit can be confirmed as paid.",
                                   "입금대기 상태인 주문만 입금확인할 수 있습니다."),
    # Codes, serial codes and gift cards
    "INVALID_CODE_PATTERN": ("Use letters, digits and at least four # for random characters (up to 40).", "영문, 숫자와 임의 문자 자리(#) 4개 이상으로 40자 이내로 정하세요."),
    "CODE_SPACE_TOO_SMALL": ("This pattern cannot make that many codes safely: add # positions.", "이 형식으로는 그만큼 안전하게 만들 수 없습니다. # 자리를 늘리세요."),
    "TRY_AGAIN_LATER": ("Too many failed attempts. Try again later.", "실패한 시도가 너무 많습니다. 잠시 후 다시 시도하세요."),
    "SERIAL_NOT_ACTIVE": ("This serial code cannot be registered now.", "지금은 등록할 수 없는 시리얼 코드입니다."),
    "OUTSIDE_PERIOD": ("Outside the registration period.", "등록 기간이 아닙니다."),
    "WRONG_GROUP": ("Your member group cannot register this code.", "등록할 수 없는 회원 그룹입니다."),
    "SERIAL_USED_UP": ("This serial code has been used up.", "등록 가능 수량이 모두 소진되었습니다."),
    "ALREADY_REGISTERED": ("You have registered this serial code as often as allowed.", "이미 등록한 시리얼 코드입니다."),
    "REWARD_UNAVAILABLE": ("A reward of this code cannot be given now.", "지금은 지급할 수 없는 혜택이 있습니다."),
    "REWARDS_REQUIRED": ("Choose at least one reward coupon.", "지급할 쿠폰을 하나 이상 고르세요."),
    "FIXED_CODE_REQUIRED": ("A fixed serial needs its code, typed in or generated.", "고정 코드를 입력하거나 생성하세요."),
    "GIFT_CARD_UNKNOWN": ("There is no such gift card.", "존재하지 않는 기프트카드입니다."),
    "GIFT_CARD_DISABLED": ("This gift card is disabled.", "사용이 중지된 기프트카드입니다."),
    "GIFT_CARD_EXPIRED": ("This gift card has expired or is not valid yet.", "유효 기간이 아닌 기프트카드입니다."),
    "INSUFFICIENT_BALANCE": ("The gift card balance is too low.", "기프트카드 잔액이 부족합니다."),
    "GIFT_CARD_USED_UP": ("This gift card has been used as often as allowed.", "사용 횟수를 모두 쓴 기프트카드입니다."),
    "GIFT_CARD_OVERPAY": ("Gift cards cannot pay more than the order total.", "기프트카드로 주문 금액보다 많이 결제할 수 없습니다."),
    # E-mail and notices
    "SMTP_NOT_CONFIGURED": ("No mail server is configured (KUPON_SMTP_HOST, KUPON_SMTP_FROM).", "메일 서버(SMTP)가 설정되지 않아 메일을 보낼 수 없습니다."),
    "MAIL_NOT_SENT": ("The mail server did not accept the message. Try again later.", "메일 서버가 메일을 받지 않았습니다. 잠시 후 다시 시도하세요."),
    # Importing and exporting codes (gift cards, serial codes)
    "IMPORT_UNREADABLE": ("The file could not be read: save it as CSV in UTF-8 or CP949 (EUC-KR).",
                          "파일을 읽을 수 없습니다. CSV(UTF-8 또는 CP949/EUC-KR)로 저장하세요."),
    "IMPORT_EMPTY": ("The file has no rows to import.", "가져올 행이 없습니다."),
    "IMPORT_NO_CODE_COLUMN": ("The file has no code column (a header named code or 코드).",
                              "코드 열이 없습니다(머리글 code 또는 코드)."),
    "IMPORT_HAS_BAD_ROWS": ("Nothing was imported: some rows were rejected. Fix them, or import only the good rows.",
                            "문제가 있는 행이 있어 아무것도 가져오지 않았습니다. 해당 행을 고치거나 올바른 행만 가져오세요."),
    "IMPORT_CODE_EMPTY": ("The code is empty.", "코드가 비어 있습니다."),
    "IMPORT_CODE_BAD_CHARACTERS": ("A code has only letters A-Z and digits (spaces and hyphens are left out).",
                                   "코드는 영문 A-Z와 숫자로만 이루어져야 합니다(공백과 하이픈은 빠집니다)."),
    "IMPORT_CODE_TOO_SHORT": ("A code has at least 4 characters.", "코드는 4자 이상이어야 합니다."),
    "IMPORT_CODE_TOO_LONG": ("A code has at most 40 characters.", "코드는 40자 이하여야 합니다."),
    "IMPORT_DUPLICATE_IN_FILE": ("This code is already in an earlier row of the file.", "파일의 앞 행에 이미 있는 코드입니다."),
    "IMPORT_CODE_TAKEN": ("This code is already in use (a coupon code, serial code or gift card).",
                          "이미 사용 중인 코드입니다(쿠폰 코드, 시리얼 코드 또는 기프트카드)."),
    "IMPORT_BAD_VALUE": ("The value is a whole number of won from 1 to 100,000,000.",
                         "금액은 1원에서 100,000,000원 사이의 정수여야 합니다."),
    "SERIAL_NOT_RANDOM": ("Codes can be imported only into a RANDOM serial campaign.",
                          "코드는 랜덤(RANDOM) 시리얼 캠페인에만 가져올 수 있습니다."),
    "CODES_BEING_GENERATED": ("Codes are still being made for this campaign: try again when that job has finished.",
                              "이 캠페인의 코드를 아직 만드는 중입니다. 작업이 끝난 뒤 다시 시도하세요."),
    # Refunds and training-card enrolments (gql/resolvers/refunds.py, gql/resolvers/training.py)
    "ORDER_NOT_REFUNDABLE": ("Only a paid or partly refunded order can be refunded.",
                             "결제완료 또는 부분환불 상태의 주문만 환불할 수 있습니다."),
    "NOTHING_TO_REFUND": ("Nothing is left to refund on these items.", "환불할 수 있는 금액이 남아 있지 않습니다."),
    "REFUND_TOO_MUCH": ("That is more than the refundable amount.", "환불 가능 금액보다 많습니다."),
    "REFUND_ALREADY_REQUESTED": ("A refund of these items is already waiting.", "이미 환불 요청 중인 항목입니다."),
    "REFUND_NOT_OPEN": ("This refund has already been completed or rejected.", "이미 완료되었거나 거절된 환불입니다."),
    "INVALID_DAYS": ("Elapsed days run from 0 to the total, and the total is above zero.",
                     "경과 일수는 0부터 전체 일수까지이며, 전체 일수는 0보다 커야 합니다."),
    "INVALID_PROGRESS": ("Study done runs from 0 to the total.", "학습량은 0부터 전체 학습량까지입니다."),
    "INVALID_RESIDENT_NUMBER": ("Enter a resident registration number such as 750101-1234567.",
                                "주민등록번호를 750101-1234567 형식으로 입력하세요."),
    "INVALID_CARD_NUMBER": ("Enter the card's 14 to 19 digits.", "카드 번호 14-19자리를 정확히 입력하세요."),
    "NOT_TRAINING_CARD_ITEM": ("Only a course paid with a training card takes an enrolment.",
                               "근로자카드로 결제한 과정만 수강 등록할 수 있습니다."),
    "INVALID_COHORT": ("Enter the cohort as a year (2000-2100) and a round (1-99).",
                       "기수는 연도(2000-2100)와 차수(1-99)로 입력하세요."),
    # Shipping (carriers, shipment status, bulk invoice uploads)
    "INVALID_TRACKING_URL": ("Enter an http(s) address containing {invoice} where the invoice number goes.",
                             "송장번호가 들어갈 자리에 {invoice}가 있는 http(s) 주소를 입력하세요."),
    "INVALID_CARRIER_CODE": ("Use 1-32 letters, digits, hyphens or underscores.",
                             "업체 코드는 영문, 숫자, 하이픈, 밑줄로 1-32자여야 합니다."),
    "CARRIER_INACTIVE": ("This carrier is not in use.", "사용하지 않는 배송업체입니다."),
    "SHIPMENT_ORDER_CANCELLED": ("The order or item is cancelled or refunded: it is not shipped.",
                                 "취소되었거나 환불된 주문(항목)이라 배송하지 않습니다."),
    "SHIPMENT_CONFIRMED": ("The purchase is confirmed: its shipping status no longer changes.",
                           "구매확정된 항목이라 배송상태를 바꿀 수 없습니다."),
    "NOTHING_SELECTED": ("Select at least one item.", "항목을 하나 이상 선택하세요."),
    "UPLOAD_XLS_UNSUPPORTED": ("Old Excel files (.xls) cannot be read: open the file in Excel and save it as "
                               "Excel Workbook (.xlsx).",
                               "예전 엑셀 파일(.xls)은 읽을 수 없습니다. 엑셀에서 열어 Excel 통합 문서(.xlsx)로 저장하세요."),
    "UPLOAD_UNREADABLE": ("The file could not be read as an Excel workbook (.xlsx).",
                          "엑셀 통합 문서(.xlsx)로 읽을 수 없는 파일입니다."),
    "UPLOAD_NO_COLUMNS": ("The first row needs the headers 주문번호 (order number), 항목번호 (item number) and "
                          "송장번호 (invoice number).",
                          "첫 행에 주문번호, 항목번호, 송장번호 머리글이 있어야 합니다."),
    "UPLOAD_NOT_PREVIEW": ("This upload has already been applied or cancelled.", "이미 등록했거나 취소한 업로드입니다."),
    "UPLOAD_NOTHING_TO_APPLY": ("No row of this upload can be applied.", "등록할 수 있는 행이 없습니다."),
    "UPLOAD_ITEM_UNKNOWN": ("No shipped item has this item number.", "이 항목번호의 배송 항목이 없습니다."),
    "UPLOAD_ORDER_MISMATCH": ("The item is not in this order.", "이 주문의 항목이 아닙니다."),
    "UPLOAD_INVOICE_EMPTY": ("The invoice number is empty.", "송장번호가 비어 있습니다."),
    "UPLOAD_INVOICE_INVALID": ("An invoice number has up to 50 letters, digits and hyphens.",
                               "송장번호는 영문, 숫자, 하이픈으로 50자까지입니다."),
    "UPLOAD_DUPLICATE_ROW": ("This item is already in an earlier row of the file.", "파일의 앞 행에 이미 있는 항목입니다."),
    "STATS_RANGE_REQUIRED": ("Choose both ends of the period, or a preset.", "기간의 시작일과 종료일을 모두 고르거나 기간 버튼을 누르세요."),
    "STATS_RANGE_REVERSED": ("The period ends before it starts.", "종료일이 시작일보다 앞입니다."),
    "STATS_RANGE_TOO_LONG": ("The period is too long: up to 3 years by day, 10 years by month.",
                             "기간이 너무 깁니다. 일별은 3년, 월별은 10년까지입니다."),
    # Legacy coupon migration (gql/resolvers/legacy*.py, SPEC 3, seed 000)
    "LEGACY_NUMBER_REQUIRED": ("The coupon number is empty.", "쿠폰번호가 비어 있습니다."),
    "LEGACY_NAME_REQUIRED": ("The coupon name is empty.", "쿠폰명이 비어 있습니다."),
    "LEGACY_TOO_LONG": ("A value is too long (number 32, name 200, benefit 200, login id 64, code 40, order 64).",
                        "값이 너무 깁니다(쿠폰번호 32자, 쿠폰명 200자, 혜택 200자, 아이디 64자, 코드 40자, 주문번호 64자)."),
    "LEGACY_KIND_UNKNOWN": ("Unknown kind: use JACKPOT (왕대박) or PAPER (紙 종이).",
                            "알 수 없는 종류입니다. 왕대박(JACKPOT) 또는 紙 종이(PAPER)로 적으세요."),
    "LEGACY_STATUS_UNKNOWN": ("Unknown issue status: use AVAILABLE (가능) or EXPIRED (만료).",
                              "알 수 없는 발급 상태입니다. 가능(AVAILABLE) 또는 만료(EXPIRED)로 적으세요."),
    "LEGACY_PAPER_METHOD_UNKNOWN": ("A paper coupon needs its issue method: SAME_SERIAL (동일) or RANDOM_SERIALS (랜덤).",
                                    "종이쿠폰은 쿠폰 발행 방법(동일한 시리얼 SAME_SERIAL 또는 랜덤 시리얼 RANDOM_SERIALS)이 필요합니다."),
    "LEGACY_PAPER_CODE_REQUIRED": ("A same-serial paper coupon needs its serial code (4-40 letters and digits).",
                                   "동일한 쿠폰 시리얼 종이쿠폰은 시리얼 코드(영문, 숫자 4-40자)가 필요합니다."),
    "LEGACY_BAD_DATE": ("A date is not valid: write 2021-02-18 or 2021-02-18 10:00.",
                        "날짜가 올바르지 않습니다. 2021-02-18 또는 2021-02-18 10:00 형식으로 적으세요."),
    "LEGACY_PERIOD_REVERSED": ("The period ends before it starts.", "기간의 종료가 시작보다 앞섭니다."),
    "LEGACY_BAD_DAYS": ("Days after issue is a whole number from 1 to 3650, instead of issue dates.",
                        "발급 후 사용 일수는 1-3650 사이의 정수이며 발급 기간 날짜와 함께 쓸 수 없습니다."),
    "LEGACY_DUPLICATE_NUMBER": ("This coupon number is already in an earlier row of the file.",
                                "파일의 앞 행에 이미 있는 쿠폰번호입니다."),
    "LEGACY_COUPON_UNKNOWN": ("No legacy coupon has this number: import the coupons first.",
                              "이 번호의 기존 쿠폰이 없습니다. 쿠폰 파일을 먼저 가져오세요."),
    "LEGACY_RECORD_MEMBER_REQUIRED": ("An issued record needs the member's login id and the issue time "
                                      "(only a paper serial nobody registered has neither).",
                                      "발급 내역에는 회원 아이디와 발급일시가 필요합니다(미등록 종이쿠폰 시리얼만 둘 다 비웁니다)."),
    "LEGACY_RECORD_CODE_REQUIRED": ("A paper coupon's record needs its serial code.", "종이쿠폰 내역에는 시리얼 코드가 필요합니다."),
    "LEGACY_USED_BEFORE_ISSUED": ("The use time is before the issue time.", "사용일시가 발급일시보다 앞섭니다."),
    "LEGACY_DUPLICATE_ROW": ("The same record is already in an earlier row of the file.", "파일의 앞 행에 이미 있는 내역입니다."),
    "LEGACY_EVENT_UNKNOWN": ("Unknown automatic-issue event.", "알 수 없는 자동 발급 이벤트입니다."),
    "ISSUANCE_EXPIRED": ("Issuance of this legacy coupon has expired.", "발급 만료"),
    "NO_ISSUE_HISTORY": ("This legacy coupon was never issued.", "발급 내역없음"),
    "NO_USABLE_COUPONS": ("No issued coupon of this legacy coupon is still usable.", "가용 쿠폰없음"),
    "LEGACY_TARGET_WRONG_KIND": ("This target does not fit: a serial code only for a paper coupon, after its "
                                 "coupon, and rewarding that coupon.",
                                 "맞지 않는 대상입니다. 시리얼코드는 종이쿠폰에만, 스마트 쿠폰을 먼저 만든 뒤, 그 쿠폰을 지급하는 것으로 연결합니다."),
    "LEGACY_TARGET_TAKEN": ("This smart coupon or serial code is already the target of another legacy coupon.",
                            "이미 다른 기존 쿠폰의 이전 대상인 스마트 쿠폰 또는 시리얼코드입니다."),
    "LEGACY_TARGET_LOCKED": ("Migration was requested or done: the target no longer changes.",
                             "이전 신청 또는 이전이 끝난 쿠폰이라 대상을 바꿀 수 없습니다."),
    "LEGACY_TARGET_MISSING": ("Create the target smart coupon first (and, for a paper coupon, its serial code).",
                              "이전 대상 스마트 쿠폰(종이쿠폰은 시리얼코드까지)을 먼저 만드세요."),
    "LEGACY_ALREADY_REQUESTED": ("Migration of this coupon is already requested or done.", "이미 이전 신청했거나 이전된 쿠폰입니다."),
    "LEGACY_CODE_TAKEN": ("A legacy paper serial is already in use as another code, so it cannot become this "
                          "serial's code.",
                          "기존 종이쿠폰 시리얼이 이미 다른 코드로 쓰이고 있어 이 시리얼코드의 코드로 만들 수 없습니다."),
    "CONSENT_REQUIRED": ("Agree to the collection of the applicant's name, e-mail and phone to apply.",
                         "신청자명, 이메일, 휴대폰 수집에 동의해야 신청할 수 있습니다."),
    "NOTHING_REQUESTED": ("No coupon is waiting for an application: request migration of coupons first.",
                          "신청서를 낼 이전 신청 쿠폰이 없습니다. 먼저 쿠폰을 이전 신청하세요."),
    "APPLICATION_CLOSED": ("This application is already running, completed or cancelled.",
                           "이미 진행 중이거나 완료 또는 취소된 신청서입니다."),
    "MIGRATION_SWITCH_ON": ("Turn off \"coupons usable in checkout\" first: the migration runs only while it is off.",
                            "먼저 쿠폰 적용 여부를 \"쿠폰 사용불가\"로 바꾸세요. 쿠폰 사용불가 상태에서만 이전 작업이 진행됩니다."),
    "MIGRATION_RUNNING": ("A legacy coupon migration is running: coupons stay unusable in checkout until it ends.",
                          "기존 쿠폰 이전 작업이 진행 중이라 끝날 때까지 쿠폰을 사용 가능으로 바꿀 수 없습니다."),
    "MIGRATED_COUPON_STOPPED": ("Issue and use records of a legacy coupon were moved into this coupon; it stays "
                                "stopped until you set its issue and use status to active.",
                                "기존 쿠폰의 발급/사용 내역이 이전된 쿠폰입니다. 발급/사용 상태를 직접 가능으로 바꾸기 전까지 중지 상태입니다."),
    "TRIGGER_NOT_POINTED": ("Carried over from a migrated legacy coupon: it issues nothing until you choose a smart "
                            "coupon for it.",
                            "이전된 기존 쿠폰의 자동 발급 설정입니다. 스마트 쿠폰을 지정하기 전까지 쿠폰이 발급되지 않습니다."),
    "TRIGGER_EVENT_NOT_RAISED": ("kupon does not raise this event of the old system itself, so this setting is kept "
                                 "but issues nothing yet.",
                                 "kupon이 직접 발생시키지 않는 기존 시스템의 이벤트라 설정은 보관되지만 아직 쿠폰이 발급되지 않습니다."),
    "SCHEDULE_IN_PAST": ("Choose a time in the future.", "지금 이후의 시각을 고르세요."),
    "SEGMENT_TREE_TOO_BIG": ("A segment can have at most 40 conditions and groups.",
                             "세그먼트의 조건과 그룹은 40개까지입니다."),
    "SEGMENT_TREE_TOO_DEEP": ("Groups can be nested at most 6 deep.", "그룹은 6단계까지 중첩할 수 있습니다."),
    "SEGMENT_NODE_INVALID": ("This is neither a group nor a condition.", "그룹도 조건도 아닌 항목입니다."),
    "SEGMENT_OPERATOR_UNKNOWN": ("A group combines with AND, OR or NOT.", "그룹은 AND, OR, NOT으로만 묶을 수 있습니다."),
    "SEGMENT_GROUP_EMPTY": ("A group needs at least one condition.", "그룹에는 조건이 하나 이상 있어야 합니다."),
    "SEGMENT_FIELD_UNKNOWN": ("Unknown condition.", "알 수 없는 조건입니다."),
    "SEGMENT_NUMBER_INVALID": ("Enter a whole number.", "정수를 입력하세요."),
    "SEGMENT_NUMBER_OUT_OF_RANGE": ("The number is out of range (days 1-3650, months 1-120, values 0 or more).",
                                    "숫자가 범위를 벗어났습니다(일 1-3650, 개월 1-120, 값 0 이상)."),
    "SEGMENT_PERIOD_INVALID": ("Choose a period: the last n days, the last n months or ever.",
                               "기간을 선택하세요: 최근 n일, 최근 n개월 또는 전체 기간."),
    "SEGMENT_COMPARISON_INVALID": ("Compare with >=, <=, = or between.", "비교는 이상, 이하, 같음, 사이 중에서 고르세요."),
    "SEGMENT_RANGE_REVERSED": ("The upper bound is below the lower bound.", "최댓값이 최솟값보다 작습니다."),
    "SEGMENT_LIST_EMPTY": ("Choose at least one value.", "값을 하나 이상 선택하세요."),
    "SEGMENT_LIST_TOO_LONG": ("Choose at most 50 values.", "값은 50개까지 선택할 수 있습니다."),
    "SEGMENT_COUPON_UNKNOWN": ("A condition names a coupon that does not exist.", "조건에 없는 쿠폰이 있습니다."),
    "SEGMENT_IN_USE": ("A coupon or serial code is restricted to this segment.",
                       "이 세그먼트로 대상을 제한한 쿠폰이나 시리얼 코드가 있습니다."),
    "SEGMENT_BUILTIN": ("Built-in groups cannot be changed.", "기본 그룹은 변경할 수 없습니다."),
    "SEGMENT_NO_SNAPSHOT": ("The segment was not computed for that day.", "그날 계산된 세그먼트 결과가 없습니다."),
    "LEGACY_COUPON_MIGRATED": ("The legacy coupon is migrated: its records can no longer change.",
                               "내역이전이 완료된 쿠폰이라 내역을 더 바꿀 수 없습니다."),
    "NOT_IN_AUDIENCE": ("The member is not in the coupon's audience.", "쿠폰 대상 회원이 아닙니다."),
    # Member activity from the shop's back end (gql/resolvers/member_activity.py, activity_import.py)
    "MEMBER_REF_REQUIRED": ("Name the member by kupon id, or by site code and login id.",
                            "회원을 kupon 회원번호 또는 사이트 코드와 아이디로 지정하세요."),
    "MEMBER_UNKNOWN": ("No member has this id, or this login id at this site.",
                       "이 회원번호 또는 이 사이트의 아이디를 가진 회원이 없습니다."),
    "SITE_UNKNOWN": ("There is no site with this code.", "이 코드의 사이트가 없습니다."),
    "ACTIVITY_IN_FUTURE": ("The time is in the future.", "미래의 시각입니다."),
    "ACTIVITY_BAD_TIME": ("Write the time as 2026-03-01 14:00 (Asia/Seoul) or ISO 8601 with an offset.",
                          "시각은 2026-03-01 14:00(한국 시간) 또는 시간대가 있는 ISO 8601 형식으로 적으세요."),
    "POINTS_AMOUNT_INVALID": ("Points are a whole number from 1 to 100,000,000.",
                              "포인트는 1에서 100,000,000 사이의 정수여야 합니다."),
    "POINTS_INSUFFICIENT": ("The member holds fewer points than this spends.", "회원의 보유 포인트보다 많이 사용할 수 없습니다."),
    "POINTS_EXTERNAL_ID_REUSED": ("This external id already records a different point entry.",
                                  "이 외부 ID로 이미 다른 포인트 내역이 기록되어 있습니다."),
    "CONSENT_VALUE_INVALID": ("Consent is Y (given) or N (withdrawn).", "수신 동의는 Y(동의) 또는 N(철회)으로 적으세요."),
    "IMPORT_COLUMNS_MISSING": ("The header row lacks a required column: see the columns listed on the page.",
                               "첫 행(머리글)에 필요한 열이 없습니다. 화면에 안내된 열 이름을 확인하세요."),
    "SERIAL_NOT_IN_AUDIENCE": ("This serial code is only for members of certain groups.",
                               "지정된 회원 그룹만 등록할 수 있는 시리얼 코드입니다."),
    "MEMBER_INACTIVE": ("The member's account is not active.", "활동 중인 회원이 아닙니다."),
    # Campaign delivery (gql/resolvers/campaign_dispatch.py, campaign_targets.py, opt_out.py, messaging_settings.py)
    "NO_CONSENT": ("The member has not consented to advertising on this channel.",
                   "이 채널의 광고성 정보 수신에 동의하지 않은 회원입니다."),
    "NO_CONTACT": ("The member has no phone number or e-mail address for this channel.",
                   "이 채널로 보낼 휴대폰 번호나 이메일 주소가 없는 회원입니다."),
    "RECENTLY_MESSAGED": ("The member received a message within the set period.", "설정한 기간 안에 메시지를 받은 회원입니다."),
    "NOT_VISITED": ("The member did not visit within the set period.", "설정한 기간 안에 방문하지 않은 회원입니다."),
    "NIGHT_BAN": ("Advertising is not sent from 21:00 to 07:59:59 (Asia/Seoul): it waits until 08:00.",
                  "광고성 메시지는 21:00~07:59:59(한국 시간)에 보내지 않습니다. 08:00에 이어서 보냅니다."),
    "CREDIT_EXHAUSTED": ("The message credit would be overdrawn: top it up to go on.",
                         "메시지 이용권 잔액이 부족합니다. 충전하면 이어서 보냅니다."),
    "OPT_OUT_NUMBER_MISSING": ("Set the shop's free 080 opt-out number before sending advertising.",
                               "광고성 메시지를 보내려면 먼저 080 무료 수신거부 번호를 설정하세요."),
    "SEND_ATTEMPTS_EXHAUSTED": ("The message failed after every retry.", "재시도를 모두 했지만 보내지 못했습니다."),
    "CAMPAIGN_NOT_SENDING": ("The campaign was cancelled or stopped.", "취소되었거나 중단된 캠페인입니다."),
    "INVALID_OPT_OUT_NUMBER": ("Enter a free 080 number such as 080-123-4567.",
                               "080-123-4567 형식의 무료 수신거부 번호를 입력하세요."),
    "INVALID_RATE": ("Enter a whole number of messages per second, 1 or more.", "초당 보낼 메시지 수를 1 이상의 정수로 입력하세요."),
    "INVALID_URL": ("Enter an address starting with http:// or https://.", "http:// 또는 https://로 시작하는 주소를 입력하세요."),
    "UNSUBSCRIBE_LINK_INVALID": ("This unsubscribe link is not valid.", "올바른 수신거부 링크가 아닙니다."),
    "INVALID_OPT_OUT_CHANNEL": ("Choose SMS, KAKAO or EMAIL.", "SMS, KAKAO, EMAIL 중에서 선택하세요."),
    # Campaigns (gql/resolvers/campaigns.py, campaign_checks.py, campaign_stats.py)
    "CAMPAIGN_TARGETS_REQUIRED": ("Choose segments, groups or filters, or pick members by hand.",
                                  "세그먼트, 그룹, 필터 중에서 고르거나 회원을 직접 선택하세요."),
    "CAMPAIGN_PICKED_WITH_OTHERS": ("Pick members by hand or choose segments, groups and filters, not both.",
                                    "회원 직접 선택과 세그먼트·그룹·필터 선택은 함께 쓸 수 없습니다."),
    "CAMPAIGN_FILTER_FIELD": ("Filters can use points held or earned, grade, tags and visits only.",
                              "필터는 보유·누적 포인트, 등급, 고객 태그, 방문 수만 쓸 수 있습니다."),
    "CAMPAIGN_SETTING_NOT_FOR_PICKED": ("With members picked by hand only the performance setting applies.",
                                        "회원을 직접 선택하면 메시지 성과 설정만 쓸 수 있습니다."),
    "CAMPAIGN_PERIOD_INVALID": ("Enter a number of days from 1 to 365.", "기간은 1일에서 365일 사이로 입력하세요."),
    "CAMPAIGN_VARIABLE_UNKNOWN": ("Use only the variables {name}, {grade}, {points} and {shop}.",
                                  "변수는 {name}, {grade}, {points}, {shop}만 쓸 수 있습니다."),
    "CAMPAIGN_FALLBACK_NOT_KAKAO": ("Only Kakao messages can fall back to SMS.", "문자 대체 발송은 카카오 메시지에만 쓸 수 있습니다."),
    "SMS_TOO_LONG": ("The text message is longer than 2,000 bytes (the LMS limit).",
                     "문자 메시지가 2,000바이트(LMS 한도)를 넘습니다."),
    "COUPON_NOT_DOWNLOADABLE": ("Choose a coupon issued by download URL.", "다운로드(쿠폰 URL)로 발급하는 쿠폰을 고르세요."),
    "RESERVATION_NIGHT_BAN": ("Advertising cannot be reserved from 21:00:00 to 07:59:59 (Asia/Seoul).",
                              "광고성 메시지는 21:00:00~07:59:59(한국 시간)에 예약할 수 없습니다."),
    "REPEAT_TIME_NIGHT_BAN": ("A repeating advertising message cannot go out from 21:00 to 07:59 (Asia/Seoul).",
                              "반복 발송하는 광고성 메시지의 발송 시각은 21:00~07:59(한국 시간)일 수 없습니다."),
    "REPEAT_TIME_INVALID": ("Enter the time of day as HH:MM.", "발송 시각을 HH:MM 형식으로 입력하세요."),
    "REPEAT_NO_OCCURRENCE": ("The repeat ends before its next sending.", "다음 발송 전에 반복 기간이 끝납니다."),
    "CAMPAIGN_NOT_EDITABLE": ("This campaign has started sending or was cancelled: it can no longer be changed.",
                              "이미 발송이 시작되었거나 취소된 캠페인이라 바꿀 수 없습니다."),
    "CAMPAIGN_TOO_MANY_PICKED": ("Pick at most 1,000 members by hand.", "직접 선택할 수 있는 회원은 1,000명까지입니다."),
    "CREDIT_TOP_UP_INVALID": ("Enter a top-up from 1 to 100,000,000 won.", "충전 금액은 1원에서 100,000,000원 사이로 입력하세요."),
}


@dataclass(frozen=True)
class Problem:
    code: str
    field: str | None = None

    @property
    def message(self) -> str:
        return REASONS[self.code][0]

    @property
    def message_ko(self) -> str:
        return REASONS[self.code][1]

    def message_in(self, locale: str) -> str:
        return self.message_ko if locale.startswith("ko") else self.message


class Refused(Exception):
    """One or more expected problems with a request. Nothing was changed."""

    def __init__(self, *problems: Problem):
        for problem in problems:
            if problem.code not in REASONS:
                raise KeyError(f"undeclared reason code {problem.code}")
        self.problems = list(problems)
        super().__init__(", ".join(p.code for p in problems))

    @classmethod
    def because(cls, code: str, field: str | None = None) -> Refused:
        return cls(Problem(code, field))

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]

    def by_field(self) -> dict[str, Problem]:
        return {p.field: p for p in self.problems if p.field}
