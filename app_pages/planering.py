"""Planering: waves on a timeline, plan a wave, adjust a job, a day's routes on the map."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st
from streamlit_folium import st_folium

from app_pages._lockui import confirmed, fields
from app_pages.common import guard, sessions, today
from planner.auth import Permission
from planner.errors import PlannerError
from planner.routing.adjust import describe_job, move_job, pin_job, unpin_job
from planner.routing.charts import timeline_chart
from planner.routing.maplayer import numbered_map
from planner.routing.planning import (
    crew_choices,
    current_wave_id,
    latest_run,
    left_out_frame,
    plan_wave,
    run_title,
    runs_frame,
    wave_choices,
)
from planner.routing.sheets import day_routes, sheet_choices, sheet_days
from planner.routing.solver import Progress
from planner.routing.wave import PlanningOptions, default_start, find_wave, next_working_day
from planner.routing.waves import Capacity
from planner.routing.workload import (
    default_capacity,
    rollout_forecast,
    rollout_timeline,
    suggest_waves,
    what_if_crews,
)

user = guard(Permission.PLAN_WAVES)
who = user.username
factory = sessions()
on = today()
st.title("Planering")

# --- waves on a timeline ---------------------------------------------------------------------
with factory() as session:
    timeline = rollout_timeline(session, on=on)
    capacity = default_capacity(session)
    waves = wave_choices(session)
    current = current_wave_id(session)
st.subheader("Vågor")
st.caption(
    "Grått: vågens planerade period. Blått: prognos med dagens lag, där varje våg börjar när "
    "den förra är klar (och inte före sin planerade start)."
)
st.altair_chart(timeline_chart(timeline, today=on), width="stretch")

with st.expander("Prognos och vad händer om"):
    left, right = st.columns(2)
    locksmiths = left.number_input(
        "Låssmedslag", min_value=0, max_value=100, value=capacity.locksmith_crews, key="lås"
    )
    trygghetsjour = right.number_input(
        "Trygghetsjourens lag",
        min_value=0,
        max_value=100,
        value=capacity.trygghetsjour_crews,
        key="tj",
    )
    chosen = Capacity(int(locksmiths), int(trygghetsjour))
    try:
        with factory() as session:
            st.dataframe(rollout_forecast(session, on=on, capacity=chosen), hide_index=True)
            st.caption("Om vågorna följer direkt på varandra, med färre eller fler lag:")
            st.dataframe(what_if_crews(session, on=on, capacity=chosen), hide_index=True)
            st.caption(
                "Förslag på vågor för stadsdelsområden som inte har börjat, de mest redo "
                "(andel medgivanden) först:"
            )
            longest = st.number_input(
                "Högst arbetsdagar per våg", min_value=5, max_value=250, value=60, key="max_days"
            )
            st.dataframe(
                suggest_waves(session, on=on, capacity=chosen, max_days=int(longest)),
                hide_index=True,
            )
    except (PlannerError, ValueError) as error:
        st.error(str(error))

# --- plan a wave -----------------------------------------------------------------------------
st.subheader("Planera en våg")
if not waves:
    st.info("Det finns inga vågor.")
    st.stop()
wave_ids = list(waves)
wave_id = st.selectbox(
    "Våg",
    wave_ids,
    index=wave_ids.index(current) if current in waves else 0,
    format_func=waves.get,
    key="wave",
)
c1, c2, c3 = st.columns(3)
with factory() as session:
    first_day = default_start(find_wave(session, wave_id, by_id=True), today=on)
start = c1.date_input("Första dag", value=first_day, key=f"start_{wave_id}", format="YYYY-MM-DD")
days = int(
    c2.number_input(
        "Arbetsdagar (0 = till vågens slut)", min_value=0, max_value=250, value=10, key="days"
    )
)
limit = c3.slider("Söktid (sekunder)", min_value=1, max_value=300, value=30, key="limit")
keep = st.checkbox(
    "Flytta så få planerade jobb som möjligt",
    value=True,
    key="keep",
    help="Av: vågen planeras om från början; bara låsta och utförda jobb ligger kvar.",
)
what = (
    f"{waves[wave_id]} planeras från {start}; öppna jobb får lag, dag och ordning, planerade "
    "jobb kan flyttas och jobb som inte ryms tas ur planen (med orsak)."
)
if confirmed("confirm_plan", what, who=who) and st.button("Planera", type="primary"):
    bar = st.progress(0.0, text="Startar …")

    def show(step: Progress) -> None:
        bar.progress(step.fraction, text=step.message)

    try:
        with st.status("Planerar …", expanded=False) as status, factory.begin() as session:
            outcome = plan_wave(
                session,
                find_wave(session, wave_id, by_id=True),
                actor=who,
                options=PlanningOptions(start=start, days=days or None, keep_planned=keep),
                time_limit_s=float(limit),
                progress=show,
                today=on,
            )
            status.update(label="Planen är sparad", state="complete")
        st.success("\n\n".join(outcome.lines()))
    except PlannerError as error:
        st.error(str(error))

with factory() as session:
    run = latest_run(session, wave_id)
    if run is not None:
        st.markdown(f"**Senaste planeringen:** {run_title(run)}")
        st.text(run.summary or "")
        left_out = left_out_frame(session, run.id)
        if len(left_out):
            st.caption(f"{len(left_out)} jobb utanför planen, med orsak:")
            st.dataframe(left_out, hide_index=True)
    with st.expander("Tidigare planeringar"):
        st.dataframe(runs_frame(session, wave_id), hide_index=True)

# --- routes of a day on the map ------------------------------------------------------------------
st.subheader("Rutter på kartan")
with factory() as session:
    days_with_routes = sheet_days(session, user, first=on, last=on + timedelta(days=60))
    open_days = sheet_days(session, user, first=on, last=on + timedelta(days=60), open_only=True)
if not days_with_routes:
    st.info("Inga planerade rutter de närmaste 60 dagarna.")
else:
    first_open = days_with_routes.index(open_days[0]) if open_days else 0
    # widgets keyed by their options: after a plan the days and crews change, and a choice
    # kept from before would point at another day or at a crew with no route
    day = st.selectbox(
        "Dag",
        days_with_routes,
        index=first_open,
        key=f"map_day_{days_with_routes[0]}_{days_with_routes[-1]}_{len(days_with_routes)}",
    )
    with factory() as session:
        choices = {
            c.crew_id: f"{c.name} ({c.stops} stopp)" for c in sheet_choices(session, user, day)
        }
    picked = st.multiselect(
        "Lag",
        list(choices),
        default=list(choices)[:1],
        # a crew kept from an earlier run may have no route this day: name it all the same
        format_func=lambda crew: choices.get(crew, f"lag {crew}"),
        key=f"map_crews_{day}_{'_'.join(map(str, choices))}",
    )
    if not picked:
        st.info("Välj ett eller flera lag för att se deras rutter.")
    if picked:
        with factory() as session:
            routes = day_routes(session, user, day, picked)
        st.caption("Klicka på ett stopp för att justera det nedan.")
        clicked = st_folium(
            numbered_map(routes),
            height=560,
            use_container_width=True,
            returned_objects=["last_active_drawing"],
            key="routes",
        )
        stop = ((clicked or {}).get("last_active_drawing") or {}).get("properties") or {}
        job_ref = str(stop.get("arbetsorder") or "")
        if job_ref.isdigit():
            # kept in the session: the map may report no click on a later rerun
            st.session_state["clicked_job"] = int(job_ref)

# --- adjust a job ------------------------------------------------------------------------------
st.subheader("Justera ett jobb")
typed = st.number_input(
    "Arbetsorder",
    min_value=1,
    step=1,
    value=None,
    key="job",
    help="Skriv numret, eller lämna tomt och klicka på ett stopp i kartan ovan.",
)
job_id = int(typed or 0) or int(st.session_state.get("clicked_job", 0))
if job_id:
    try:
        with factory() as session:
            facts = describe_job(session, job_id)
            crews = crew_choices(session)
        fields(facts)
        action = st.radio(
            "Åtgärd",
            ["Lås till lag och dag", "Lås upp", "Flytta"],
            horizontal=True,
            key="action",
        )
        crew_id = None
        day = None
        if action == "Flytta":
            m1, m2 = st.columns(2)
            crew_id = m1.selectbox("Till lag", list(crews), format_func=crews.get, key="to_crew")
            day = m2.date_input("Till dag", value=next_working_day(on), key="to_day")
        change = f"arbetsorder {job_id}: {action.lower()}" + (
            f" till {crews[crew_id]} {day}." if crew_id is not None else "."
        )
        if confirmed("confirm_adjust", change, who=who) and st.button("Ändra", key="adjust"):
            with factory.begin() as session:
                if action == "Flytta" and crew_id is not None and day is not None:
                    result = move_job(session, job_id, crew_id=crew_id, day=day, actor=who)
                elif action == "Lås upp":
                    result = unpin_job(session, job_id, actor=who)
                else:
                    result = pin_job(session, job_id, actor=who)
            st.success("\n\n".join(result.changes))
            for warning in result.warnings:
                st.warning(warning)
    except PlannerError as error:
        st.error(str(error))
