"""The texts the portal starts with (seeded by a data migration; administrators edit them in the back office).

Variables every template can use: ``citizen``, ``code``, ``procedure``, ``agency`` (the competent agency), ``desk``
(the one-stop centre that received the dossier, where the citizen pays and collects the result in person; the
competent agency when it received it), ``acting`` (the agency of the official whose action the message reports:
the centre's desk for a refusal at intake; else the competent agency), ``status``, ``link`` (the dossier's page),
``portal``, ``authority``; and, where they apply: ``submitted_at``, ``due_at``/``due_date``, ``missing``,
``deadline``/``deadline_date`` (of a supplement), ``reason``, ``note`` (the official's message to the citizen),
``amount`` (in đồng, grouped), ``delivery`` (``office``, ``online`` or ``post``), ``delivery_address``,
``tracking`` (postal tracking number), ``new_due_at``/``new_due_date``.
"""

_VI_HEAD = "Kính gửi ông/bà {{ citizen }},\n\n"
_VI_FOOT = (
    "\n\nTrân trọng,\n{{ portal }}\n{{ authority }}\n\n"
    "Đây là thư tự động, vui lòng không trả lời. Tra cứu hồ sơ bằng mã {{ code }} trên {{ portal }}."
)
_EN_HEAD = "Dear {{ citizen }},\n\n"
_EN_FOOT = (
    "\n\nKind regards,\n{{ portal }}\n{{ authority }}\n\n"
    "This is an automatic message; please do not reply. Look up your dossier with code {{ code }} on {{ portal }}."
)

# event: {language: (email subject, email body, sms)}
_TEXTS = {
    "submitted": {
        "vi": (
            "Hồ sơ {{ code }} đã được nộp",
            "Hồ sơ {{ code }} ({{ procedure }}) đã được nộp trực tuyến lúc {{ submitted_at }} đến {{ desk }} "
            "và đang chờ tiếp nhận.\n\nMã hồ sơ: {{ code }}\nTheo dõi hồ sơ: {{ link }}",
            "Hồ sơ {{ code }} đã được nộp, đang chờ tiếp nhận. Dùng mã hồ sơ để tra cứu.",
        ),
        "en": (
            "Dossier {{ code }} has been submitted",
            "Your dossier {{ code }} ({{ procedure }}) was submitted online at {{ submitted_at }} to {{ desk }} "
            "and is awaiting intake.\n\nDossier code: {{ code }}\nFollow your dossier: {{ link }}",
            "Dossier {{ code }} has been submitted and awaits intake. Use the code to look it up.",
        ),
    },
    "accepted": {
        "vi": (
            "Hồ sơ {{ code }} đã được tiếp nhận",
            "Hồ sơ {{ code }} ({{ procedure }}) đã được {{ desk }} tiếp nhận."
            "{% if due_at %}\n\nNgày hẹn trả kết quả: {{ due_at }}.{% endif %}\n\n"
            "Phiếu tiếp nhận và hẹn trả kết quả có trong trang hồ sơ: {{ link }}",
            "Hồ sơ {{ code }} đã được tiếp nhận.{% if due_date %} Hẹn trả kết quả ngày {{ due_date }}.{% endif %}",
        ),
        "en": (
            "Dossier {{ code }} has been accepted",
            "Your dossier {{ code }} ({{ procedure }}) has been accepted by {{ desk }}."
            "{% if due_at %}\n\nThe result is due on {{ due_at }}.{% endif %}\n\n"
            "The receipt and appointment slip is on your dossier's page: {{ link }}",
            "Dossier {{ code }} has been accepted.{% if due_date %} Result due on {{ due_date }}.{% endif %}",
        ),
    },
    "supplement_requested": {
        "vi": (
            "Hồ sơ {{ code }} cần bổ sung",
            "{{ acting }} đề nghị ông/bà bổ sung, hoàn thiện hồ sơ {{ code }} ({{ procedure }}):\n\n{{ missing }}\n\n"
            "Hạn bổ sung: {{ deadline }}. Nếu quá hạn mà chưa bổ sung, hồ sơ có thể bị từ chối hoặc dừng giải "
            "quyết.\n\nBổ sung hồ sơ trực tuyến tại: {{ link }} (đăng nhập bằng tài khoản hoặc VNeID), hoặc mang giấy "
            "tờ đến Bộ phận Một cửa {{ desk }}.",
            "Hồ sơ {{ code }} cần bổ sung trước {{ deadline_date }}: {{ missing }}",
        ),
        "en": (
            "Dossier {{ code }} needs a supplement",
            "{{ acting }} asks you to add to or correct your dossier {{ code }} ({{ procedure }}):\n\n{{ missing }}\n\n"
            "Deadline: {{ deadline }}. If nothing is received by then, the dossier may be refused or stopped.\n\n"
            "Send the supplement online here: {{ link }} (sign in with your account or VNeID), or bring the papers to "
            "the one-stop desk of {{ desk }}.",
            "Dossier {{ code }} needs a supplement by {{ deadline_date }}: {{ missing }}",
        ),
    },
    "refused": {
        "vi": (
            "Hồ sơ {{ code }} không được tiếp nhận",
            "{{ acting }} không tiếp nhận hồ sơ {{ code }} ({{ procedure }}).\n\nLý do: {{ reason }}\n\n"
            "Thông báo từ chối có trong trang hồ sơ: {{ link }}",
            "Hồ sơ {{ code }} không được tiếp nhận. Lý do: {{ reason }}",
        ),
        "en": (
            "Dossier {{ code }} was not accepted",
            "{{ acting }} did not accept your dossier {{ code }} ({{ procedure }}).\n\nReason: {{ reason }}\n\n"
            "The refusal notice is on your dossier's page: {{ link }}",
            "Dossier {{ code }} was not accepted. Reason: {{ reason }}",
        ),
    },
    "payment_requested": {
        "vi": (
            "Hồ sơ {{ code }}: đề nghị nộp phí, lệ phí",
            "Để tiếp tục giải quyết hồ sơ {{ code }} ({{ procedure }}), ông/bà cần nộp {{ amount }} đồng."
            "{% if note %}\n\n{{ note }}{% endif %}\n\n"
            "Cách nộp: thanh toán trực tuyến trong trang hồ sơ ({{ link }}) hoặc nộp trực tiếp tại Bộ phận Một cửa "
            "{{ desk }}.",
            "Hồ sơ {{ code }}: đề nghị nộp {{ amount }} đồng. Thanh toán trực tuyến trên {{ portal }} "
            "hoặc tại Bộ phận Một cửa {{ desk }}.",
        ),
        "en": (
            "Dossier {{ code }}: payment requested",
            "To continue with your dossier {{ code }} ({{ procedure }}), please pay {{ amount }} VND."
            "{% if note %}\n\n{{ note }}{% endif %}\n\n"
            "How to pay: online on your dossier's page ({{ link }}) or at the one-stop desk of {{ desk }}.",
            "Dossier {{ code }}: please pay {{ amount }} VND online on {{ portal }} or at the one-stop desk of "
            "{{ desk }}.",
        ),
    },
    "result_ready": {
        "vi": (
            "Hồ sơ {{ code }} đã có kết quả",
            "Hồ sơ {{ code }} ({{ procedure }}) đã có kết quả.\n\n"
            "{% if delivery == 'online' %}Kết quả điện tử có trong trang hồ sơ: {{ link }}"
            "{% elif delivery == 'post' %}Kết quả sẽ được gửi qua dịch vụ bưu chính công ích đến địa chỉ: "
            "{{ delivery_address }}."
            "{% else %}Mời ông/bà đến Bộ phận Một cửa {{ desk }} nhận kết quả, mang theo phiếu hẹn và giấy tờ "
            "tùy thân.{% endif %}",
            "Hồ sơ {{ code }} đã có kết quả. {% if delivery == 'online' %}Tải kết quả trên {{ portal }}."
            "{% elif delivery == 'post' %}Kết quả sẽ được gửi qua bưu điện."
            "{% else %}Mời nhận tại Bộ phận Một cửa {{ desk }}, mang theo phiếu hẹn.{% endif %}",
        ),
        "en": (
            "The result of dossier {{ code }} is ready",
            "The result of your dossier {{ code }} ({{ procedure }}) is ready.\n\n"
            "{% if delivery == 'online' %}The electronic result is on your dossier's page: {{ link }}"
            "{% elif delivery == 'post' %}It will be posted by the public postal service to: {{ delivery_address }}."
            "{% else %}Please collect it at the one-stop desk of {{ desk }}, with your appointment slip and an "
            "identity document.{% endif %}",
            "The result of dossier {{ code }} is ready. {% if delivery == 'online' %}Download it on {{ portal }}."
            "{% elif delivery == 'post' %}It will be posted to you."
            "{% else %}Collect it at the one-stop desk of {{ desk }} with your slip.{% endif %}",
        ),
    },
    "result_returned": {
        "vi": (
            "Hồ sơ {{ code }}: kết quả đã được trả",
            "{% if delivery == 'post' %}Kết quả hồ sơ {{ code }} ({{ procedure }}) đã được gửi qua dịch vụ bưu chính "
            "công ích đến {{ delivery_address }}.{% if tracking %}\n\nMã vận đơn: {{ tracking }}{% endif %}"
            "{% else %}Kết quả hồ sơ {{ code }} ({{ procedure }}) đã được trả.{% if note %}\n\n{{ note }}{% endif %}"
            "{% endif %}\n\nCảm ơn ông/bà đã sử dụng dịch vụ công trực tuyến.",
            "{% if delivery == 'post' %}Kết quả hồ sơ {{ code }} đã được gửi qua bưu điện."
            "{% if tracking %} Mã vận đơn: {{ tracking }}.{% endif %}"
            "{% else %}Kết quả hồ sơ {{ code }} đã được trả.{% endif %}",
        ),
        "en": (
            "Dossier {{ code }}: the result has been returned",
            "{% if delivery == 'post' %}The result of your dossier {{ code }} ({{ procedure }}) has been posted to "
            "{{ delivery_address }}.{% if tracking %}\n\nTracking number: {{ tracking }}{% endif %}"
            "{% else %}The result of your dossier {{ code }} ({{ procedure }}) has been returned."
            "{% if note %}\n\n{{ note }}{% endif %}{% endif %}\n\nThank you for using online public services.",
            "{% if delivery == 'post' %}The result of dossier {{ code }} has been posted."
            "{% if tracking %} Tracking number: {{ tracking }}.{% endif %}"
            "{% else %}The result of dossier {{ code }} has been returned.{% endif %}",
        ),
    },
    "apology": {
        "vi": (
            "Hồ sơ {{ code }}: thư xin lỗi và hẹn lại ngày trả kết quả",
            "{{ agency }} xin lỗi ông/bà vì hồ sơ {{ code }} ({{ procedure }}) chưa thể trả kết quả đúng hẹn.\n\n"
            "Lý do: {{ reason }}\nNgày hẹn trả kết quả mới: {{ new_due_at }}.\n\n"
            "Thư xin lỗi có trong trang hồ sơ: {{ link }}",
            "Xin lỗi ông/bà: hồ sơ {{ code }} chậm trả kết quả. Hẹn lại ngày {{ new_due_date }}.",
        ),
        "en": (
            "Dossier {{ code }}: apology and a new date for the result",
            "{{ agency }} apologises: the result of your dossier {{ code }} ({{ procedure }}) will not be ready on "
            "the date given.\n\nReason: {{ reason }}\nNew date: {{ new_due_at }}.\n\n"
            "The letter of apology is on your dossier's page: {{ link }}",
            "We apologise: dossier {{ code }} is delayed. New date for the result: {{ new_due_date }}.",
        ),
    },
    "stopped": {
        "vi": (
            "Hồ sơ {{ code }} bị dừng giải quyết",
            "{{ agency }} dừng giải quyết hồ sơ {{ code }} ({{ procedure }}).\n\nLý do: {{ reason }}\n\n"
            "Thông báo dừng giải quyết có trong trang hồ sơ: {{ link }}",
            "Hồ sơ {{ code }} bị dừng giải quyết. Lý do: {{ reason }}",
        ),
        "en": (
            "Processing of dossier {{ code }} has stopped",
            "{{ agency }} has stopped processing your dossier {{ code }} ({{ procedure }}).\n\n"
            "Reason: {{ reason }}\n\nThe notice is on your dossier's page: {{ link }}",
            "Processing of dossier {{ code }} has stopped. Reason: {{ reason }}",
        ),
    },
    "withdrawn": {
        "vi": (
            "Hồ sơ {{ code }} đã được rút",
            "Theo đề nghị của ông/bà, hồ sơ {{ code }} ({{ procedure }}) đã được rút; {{ agency }} không tiếp tục "
            "giải quyết.{% if reason %}\n\nGhi chú: {{ reason }}{% endif %}",
            "Hồ sơ {{ code }} đã được rút theo đề nghị của ông/bà.",
        ),
        "en": (
            "Dossier {{ code }} has been withdrawn",
            "As you asked, your dossier {{ code }} ({{ procedure }}) has been withdrawn; {{ agency }} will not "
            "process it further.{% if reason %}\n\nNote: {{ reason }}{% endif %}",
            "Dossier {{ code }} has been withdrawn at your request.",
        ),
    },
    # Postal delivery (BCCI): ``note`` is the tracking number, with the official's remark after a dash if any.
    "post_handed_over": {
        "vi": (
            "Hồ sơ {{ code }}: kết quả đã giao cho bưu điện",
            "Kết quả hồ sơ {{ code }} ({{ procedure }}) đã được giao cho bưu điện để chuyển đến "
            "{{ delivery_address }}.\n\nMã vận đơn: {{ note }}\nTheo dõi hồ sơ: {{ link }}",
            "Kết quả hồ sơ {{ code }} đã giao bưu điện. Mã vận đơn: {{ note }}",
        ),
        "en": (
            "Dossier {{ code }}: the result is with the post office",
            "The result of your dossier {{ code }} ({{ procedure }}) has been handed over to the post office for "
            "delivery to {{ delivery_address }}.\n\nTracking number: {{ note }}\nFollow your dossier: {{ link }}",
            "The result of dossier {{ code }} is with the post office. Tracking number: {{ note }}",
        ),
    },
    "post_in_transit": {
        "vi": (
            "Hồ sơ {{ code }}: kết quả đang được chuyển phát",
            "Kết quả hồ sơ {{ code }} ({{ procedure }}) đang được bưu điện chuyển đến {{ delivery_address }}."
            "\n\nMã vận đơn: {{ note }}",
            "Kết quả hồ sơ {{ code }} đang được chuyển phát. Mã vận đơn: {{ note }}",
        ),
        "en": (
            "Dossier {{ code }}: the result is on its way",
            "The result of your dossier {{ code }} ({{ procedure }}) is on its way to {{ delivery_address }}."
            "\n\nTracking number: {{ note }}",
            "The result of dossier {{ code }} is on its way. Tracking number: {{ note }}",
        ),
    },
    "post_delivered": {
        "vi": (
            "Hồ sơ {{ code }}: kết quả đã được phát",
            "Bưu điện đã phát kết quả hồ sơ {{ code }} ({{ procedure }}) đến {{ delivery_address }}."
            "\n\nMã vận đơn: {{ note }}\n\nCảm ơn ông/bà đã sử dụng dịch vụ công trực tuyến.",
            "Kết quả hồ sơ {{ code }} đã được phát. Mã vận đơn: {{ note }}",
        ),
        "en": (
            "Dossier {{ code }}: the result has been delivered",
            "The post office has delivered the result of your dossier {{ code }} ({{ procedure }}) to "
            "{{ delivery_address }}.\n\nTracking number: {{ note }}\n\nThank you for using online public services.",
            "The result of dossier {{ code }} has been delivered. Tracking number: {{ note }}",
        ),
    },
    "post_returned": {
        "vi": (
            "Hồ sơ {{ code }}: bưu điện không phát được kết quả",
            "Bưu điện không phát được kết quả hồ sơ {{ code }} ({{ procedure }}) đến {{ delivery_address }} và đã "
            "chuyển trả {{ agency }}.\n\nMã vận đơn: {{ note }}\n\nMời ông/bà liên hệ Bộ phận Một cửa {{ agency }} "
            "để nhận kết quả.",
            "Bưu điện không phát được kết quả hồ sơ {{ code }}. Mời liên hệ Bộ phận Một cửa để nhận.",
        ),
        "en": (
            "Dossier {{ code }}: the post office could not deliver the result",
            "The post office could not deliver the result of your dossier {{ code }} ({{ procedure }}) to "
            "{{ delivery_address }} and has returned it to {{ agency }}.\n\nTracking number: {{ note }}\n\n"
            "Please contact the one-stop desk of {{ agency }} to collect it.",
            "The post office could not deliver the result of dossier {{ code }}. Please contact the one-stop desk.",
        ),
    },
}

_FRAME = {"vi": (_VI_HEAD, _VI_FOOT), "en": (_EN_HEAD, _EN_FOOT)}

# (event, channel, language) → (subject, body)
DEFAULT_TEMPLATES: dict[tuple[str, str, str], tuple[str, str]] = {}
for _event, _languages in _TEXTS.items():
    for _language, (_subject, _body, _sms) in _languages.items():
        _head, _foot = _FRAME[_language]
        DEFAULT_TEMPLATES[(_event, "email", _language)] = (_subject, _head + _body + _foot)
        DEFAULT_TEMPLATES[(_event, "sms", _language)] = ("", _sms)


def install(template_model, version_model) -> int:
    """Create the templates that do not exist yet (models passed in, so a data migration can call it too)."""
    created = 0
    for (event, channel, language), (subject, body) in DEFAULT_TEMPLATES.items():
        template, new = template_model.objects.get_or_create(
            event=event,
            channel=channel,
            language=language,
            defaults={"subject": subject, "body": body, "version": 1},
        )
        if new:
            version_model.objects.create(template=template, version=1, subject=subject, body=body)
            created += 1
    return created


# Phrases of earlier defaults that named the competent agency where the citizen goes to the desk that received the
# dossier (a provincial department has no desk for a commune's citizens): the data migration that introduced
# ``desk`` changes them in stored templates, edited or not, and keeps the change as a new version.
TO_THE_DESK = [
    ("đã được {{ agency }} tiếp nhận", "đã được {{ desk }} tiếp nhận"),
    ("has been accepted by {{ agency }}", "has been accepted by {{ desk }}"),
    ("tại Bộ phận Một cửa {{ agency }}", "tại Bộ phận Một cửa {{ desk }}"),
    ("đến Bộ phận Một cửa {{ agency }} nhận kết quả", "đến Bộ phận Một cửa {{ desk }} nhận kết quả"),
    ("at the one-stop desk of {{ agency }}", "at the one-stop desk of {{ desk }}"),
]


# A citizen registered at a counter has no password: the supplement request offered only the online page. It now
# says they may sign in with VNeID or bring the papers to the desk (which records them: "Record papers brought to
# the desk").
SUPPLEMENT_EITHER_WAY = [
    (
        "Bổ sung hồ sơ tại: {{ link }}",
        "Bổ sung hồ sơ trực tuyến tại: {{ link }} (đăng nhập bằng tài khoản hoặc VNeID), hoặc mang giấy tờ đến Bộ phận "
        "Một cửa {{ desk }}.",
    ),
    (
        "Send the supplement here: {{ link }}",
        "Send the supplement online here: {{ link }} (sign in with your account or VNeID), or bring the papers to the "
        "one-stop desk of {{ desk }}.",
    ),
]


# Messages the desk's or the acting agency's name belongs in: the submission is filed at the desk; a refusal or a
# supplement request comes from whoever made it (the centre's desk at intake); the SMS name the desk where the
# citizen pays and collects (a citizen registered at a counter with a phone only never learnt which).
NAMES_WHO_ACTS = [
    ("đến {{ agency }} và đang chờ tiếp nhận", "đến {{ desk }} và đang chờ tiếp nhận"),
    ("to {{ agency }} and is awaiting intake", "to {{ desk }} and is awaiting intake"),
    ("{{ agency }} không tiếp nhận hồ sơ", "{{ acting }} không tiếp nhận hồ sơ"),
    ("{{ agency }} did not accept your dossier", "{{ acting }} did not accept your dossier"),
    ("{{ agency }} đề nghị ông/bà bổ sung", "{{ acting }} đề nghị ông/bà bổ sung"),
    ("{{ agency }} asks you to add to or correct", "{{ acting }} asks you to add to or correct"),
    ("hoặc tại Bộ phận Một cửa.", "hoặc tại Bộ phận Một cửa {{ desk }}."),
    ("or at the one-stop desk.", "or at the one-stop desk of {{ desk }}."),
    ("Mời nhận tại Bộ phận Một cửa, mang", "Mời nhận tại Bộ phận Một cửa {{ desk }}, mang"),
    ("Collect it at the one-stop desk with", "Collect it at the one-stop desk of {{ desk }} with"),
]


def point_to_the_desk(template_model, version_model) -> int:
    """Change ``TO_THE_DESK``'s phrases in the stored templates; each changed one gets a new version."""
    return reword(template_model, version_model, TO_THE_DESK)


def rewording(pairs):
    """A data migration's forward step: ``reword`` the stored templates with ``pairs`` (historical models)."""

    def forward(apps, schema_editor):
        reword(
            apps.get_model("notifications", "MessageTemplate"),
            apps.get_model("notifications", "MessageTemplateVersion"),
            pairs,
        )

    return forward


def reword(template_model, version_model, pairs) -> int:
    """Change phrases (``pairs`` of old, new) in the stored templates, edited or not; each changed one gets a new
    version. Returns how many changed."""
    changed = 0
    for template in template_model.objects.all():
        body = template.body
        for old, new in pairs:
            body = body.replace(old, new)
        if body != template.body:
            template.body, template.version = body, template.version + 1
            template.save(update_fields=["body", "version"])
            version_model.objects.create(
                template=template, version=template.version, subject=template.subject, body=body
            )
            changed += 1
    return changed
