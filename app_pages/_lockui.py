"""Widgets the lock-lifecycle pages share: confirmations, refused files, fact tables."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from planner.locks.errors import RowProblem


def confirmed(key: str, what: str, *, who: str) -> bool:
    """A checkbox that must be ticked before an action that cannot be undone."""
    return st.checkbox(f"Jag har kontrollerat uppgifterna: {what} Det går inte att ångra.", key=key)


def problems_table(problems: Sequence[RowProblem]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rad": [p.row for p in problems],
            "kolumn": [p.column or "" for p in problems],
            "fel": [p.message for p in problems],
        }
    )


def fields(rows: dict[str, str]) -> None:
    """A small two-column fact table."""
    st.table(pd.DataFrame({"": list(rows), " ": list(rows.values())}).set_index(""))
