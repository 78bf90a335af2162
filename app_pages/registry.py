"""Which pages exist and which permission opens each; app.py shows a user only their pages."""

from __future__ import annotations

from dataclasses import dataclass

from planner.auth import Permission, User, can


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    permission: Permission


PAGES: tuple[PageSpec, ...] = (
    PageSpec("app_pages/karta.py", "Karta", ":material/map:", Permission.VIEW_MAP),
    PageSpec(
        "app_pages/oversikt.py", "Översikt", ":material/table_chart:", Permission.VIEW_REPORTS
    ),
    PageSpec(
        "app_pages/rapporter.py", "Rapporter", ":material/summarize:", Permission.VIEW_REPORTS
    ),
    PageSpec(
        "app_pages/medgivanden.py", "Medgivanden", ":material/draw:", Permission.EDIT_CONSENTS
    ),
    PageSpec("app_pages/planering.py", "Planering", ":material/route:", Permission.PLAN_WAVES),
    PageSpec(
        "app_pages/korlistor.py",
        "Körlistor",
        ":material/assignment:",
        Permission.VIEW_OWN_ROUTE_SHEETS,
    ),
    PageSpec(
        "app_pages/installationer.py",
        "Installationer",
        ":material/build:",
        Permission.RECORD_RESULTS,
    ),
    PageSpec(
        "app_pages/nycklar.py", "Nycklar och logg", ":material/key:", Permission.VIEW_ACCESS_LOG
    ),
    PageSpec(
        "app_pages/felanmalningar.py",
        "Felanmälningar",
        ":material/report:",
        Permission.MANAGE_FAULTS,
    ),
    PageSpec("app_pages/importera.py", "Import", ":material/upload_file:", Permission.IMPORT_DATA),
    PageSpec(
        "app_pages/geokodning.py", "Geokodning", ":material/pin_drop:", Permission.IMPORT_DATA
    ),
)


def pages_for(user: User) -> list[PageSpec]:
    """The pages the user's role may open, in menu order."""
    return [page for page in PAGES if can(user, page.permission)]
