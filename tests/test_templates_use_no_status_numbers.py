"""Templates ask the dossier what it is by name (``dossier.is_awaiting_supplement``), never compare its status with
a number: the numbers are the national portal's (``dossiers.constants.Status``) and a template that says
``status == 5`` repeats, out of sight, a rule that belongs to the model."""

import re
from pathlib import Path

from dossiers.constants import Status
from dossiers.models import Dossier

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", "node_modules", "locale", "var", "staticfiles", ".git"}

TAG = re.compile(r"{%.*?%}", re.DOTALL)
NUMBER = r"""["']?-?\d+["']?"""
COMPARISON = r"(?:==|!=|<=|>=|<|>|\bnot in\b|\bin\b)"
STATUS = r"\b\w*status\w*\b"
NUMERIC_STATUS = re.compile(
    rf"{STATUS}(?:\|[\w:\"']+)*\s*{COMPARISON}\s*{NUMBER}"  # status == 5, status|stringformat:"d" == "5"
    rf"|{NUMBER}\s*{COMPARISON}\s*[\w.]*{STATUS}"  # 5 == dossier.status
    rf"|{STATUS}\|[\w]+:{NUMBER}"  # status|add:1, status|divisibleby:5
)


def templates() -> list[Path]:
    return sorted(
        path
        for pattern in ("*.html", "*.txt")
        for path in ROOT.rglob(pattern)
        if not SKIP.intersection(path.relative_to(ROOT).parts) and "templates" in path.relative_to(ROOT).parts
    )


def numeric_status_comparisons(text: str) -> list[str]:
    return [tag for tag in TAG.findall(text) if NUMERIC_STATUS.search(tag)]


def test_no_template_compares_a_status_with_a_number():
    found = [
        f"{path.relative_to(ROOT)}: {tag}"
        for path in templates()
        for tag in numeric_status_comparisons(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_check_sees_every_way_of_writing_a_status_number():
    for bad in [
        "{% if dossier.status == 5 %}",
        "{% if dossier.status==10 and is_owner %}",
        "{% if is_owner and dossier.status != 1 %}",
        '{% if dossier.status|stringformat:"d" == "5" %}',
        "{% elif 9 == dossier.status %}",
        "{% if event.to_status >= 9 %}",
        "{% if status in 5 %}",
        "{% if dossier.status|add:0 == 4 %}",
    ]:
        assert numeric_status_comparisons(bad) == [bad], bad
    for good in [
        "{% if dossier.is_awaiting_supplement and is_owner %}",
        '{% if txn.status == "succeeded" %}',
        '{% if payment.status == "open" and is_owner %}',
        "{% if line.quantity > 1 %}",
        '<span class="status status-{{ dossier.status }}">',
        "{% if event.from_status != event.to_status %}",
    ]:
        assert numeric_status_comparisons(good) == [], good


def test_the_templates_read_the_status_through_the_model():
    """What the templates ask instead, one status each (the rest of the table is false)."""
    expected = {
        "is_draft": Status.DRAFT,
        "is_awaiting_intake": Status.SUBMITTED,
        "is_awaiting_supplement": Status.SUPPLEMENT_REQUESTED,
        "is_returned": Status.RETURNED,
    }
    for name, status in expected.items():
        assert [s for s in Status if getattr(Dossier(status=s), name)] == [status], name
