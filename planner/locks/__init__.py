"""Consents, locks, jobs, keys, shifts, the access log and faults: the rules of DESIGN §4.

``states`` holds every lifecycle (the allowed transitions, in one place) and has no imports of its
own, so that ``planner.models`` can use its enums; ``lifecycle`` applies a transition to a row and
writes the audit trail.
"""
