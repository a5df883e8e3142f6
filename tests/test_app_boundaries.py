"""No app reaches into another app's views or back office: what they share lives in selectors, services or
``portal.access``. Only the project's URL wiring (``portal/urls.py``, ``portal/api.py``) imports other apps' views."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "dossiers",
    "interconnection",
    "notifications",
    "payments",
    "portal",
    "postal",
    "procedures",
    "reports",
    "tracking",
]
PRIVATE = {"views", "admin", "admin_views", "admin_forms"}  # modules that belong to their own app's pages
URL_WIRING = {"portal/urls.py", "portal/api.py"}


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports (at the top or inside a function), as absolute dotted names."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def crossings() -> list[str]:
    found = set()
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in URL_WIRING:
                continue
            for module in imported_modules(path):
                parts = module.split(".")
                if parts[0] not in APPS or parts[0] == app:
                    continue
                private = [n for n, part in enumerate(parts) if n and part in PRIVATE]
                if private:
                    found.add(f"{relative} imports {'.'.join(parts[: private[0] + 1])}")
    return sorted(found)


def test_no_app_imports_another_apps_views_or_admin():
    assert crossings() == []


def test_the_check_sees_an_import_from_another_apps_views(tmp_path, monkeypatch):
    """The check itself: the import that used to be here (the public look-up reading the back office's views)."""
    app = tmp_path / "tracking"
    app.mkdir()
    (app / "selectors.py").write_text("from dossiers.admin_views import is_overdue\n", encoding="utf-8")
    (tmp_path / "dossiers").mkdir()
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)

    assert crossings() == ["tracking/selectors.py imports dossiers.admin_views"]


# --- Dossiers know nothing of the apps that listen to them -----------------------------------------------------

LISTENERS = [
    "interconnection",
    "notifications",
    "payments",
    "postal",
    "reports",
    "tracking",
]  # docs/architecture.md: dossiers ← these
DOSSIER_TEMPLATES = ["dossiers/templates", "templates/admin/dossiers"]
TEMPLATE_TAG = re.compile(r"{%\s*(load|include|extends|url)\s+(.*?)%}", re.DOTALL)
VERBS = {"include": "includes", "extends": "extends", "url": "links to"}


def listeners_reached_from_dossiers() -> list[str]:
    """Every import of a listening app in ``dossiers/`` (top level or inside a function, migrations aside), and
    every template of the dossier pages that loads one's tags, includes one's template or links to one's URLs."""
    found = set()
    for path in sorted((ROOT / "dossiers").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" in relative:
            continue
        for module in imported_modules(path):
            if module.split(".")[0] in LISTENERS:
                found.add(f"{relative} imports {module.split('.')[0]}")
    libraries = {}  # template tag library -> the app that provides it
    for app in LISTENERS:
        libraries.update({tags.stem: app for tags in (ROOT / app / "templatetags").glob("*.py")})
    for folder in DOSSIER_TEMPLATES:
        for path in sorted((ROOT / folder).rglob("*.html")):
            relative = path.relative_to(ROOT).as_posix()
            for tag, arguments in TEMPLATE_TAG.findall(path.read_text(encoding="utf-8")):
                words = arguments.split()
                if tag == "load":
                    found.update(f"{relative} loads {w} ({libraries[w]})" for w in words if w in libraries)
                    continue
                target = words[0].strip("'\"") if words else ""
                app = re.split(r"[:/_]", target.removeprefix("admin:"))[0]
                if app in LISTENERS:
                    found.add(f"{relative} {VERBS[tag]} {target}")
    return sorted(found)


def test_dossiers_import_none_of_the_apps_that_listen_to_them():
    assert listeners_reached_from_dossiers() == []


def test_the_check_sees_dossiers_reaching_a_listening_app(tmp_path, monkeypatch):
    """The check itself, on the couplings that used to be here: the dashboard counting notifications' failed
    messages, the dossier page loading payments' and postal's template tags, linking to notifications' admin."""
    (tmp_path / "dossiers" / "templates" / "dossiers").mkdir(parents=True)
    (tmp_path / "templates" / "admin" / "dossiers").mkdir(parents=True)
    (tmp_path / "payments" / "templatetags").mkdir(parents=True)
    (tmp_path / "payments" / "templatetags" / "payments_tags.py").write_text("", encoding="utf-8")
    (tmp_path / "dossiers" / "admin_views.py").write_text(
        "def dashboard():\n    from notifications.selectors import failed_messages\n", encoding="utf-8"
    )
    (tmp_path / "dossiers" / "views.py").write_text("from tracking import selectors\n", encoding="utf-8")
    (tmp_path / "dossiers" / "templates" / "dossiers" / "detail.html").write_text(
        "{% load i18n payments_tags %}{% include 'postal/_dossier_shipments.html' %}", encoding="utf-8"
    )
    (tmp_path / "templates" / "admin" / "dossiers" / "change_form.html").write_text(
        "{% url 'admin:notifications_message_change' message.pk %}", encoding="utf-8"
    )
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)

    assert listeners_reached_from_dossiers() == [
        "dossiers/admin_views.py imports notifications",
        "dossiers/templates/dossiers/detail.html includes postal/_dossier_shipments.html",
        "dossiers/templates/dossiers/detail.html loads payments_tags (payments)",
        "dossiers/views.py imports tracking",
        "templates/admin/dossiers/change_form.html links to admin:notifications_message_change",
    ]
