"""No app reaches into another app's views or back office: what they share lives in selectors, services or
``portal.access``. Only the project's URL wiring (``portal/urls.py``, ``portal/api.py``) imports other apps' views."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["dossiers", "notifications", "payments", "portal", "postal", "procedures", "reports", "tracking"]
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
