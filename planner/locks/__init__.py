"""Consents, locks, jobs, keys, shifts, the access log and faults: the rules of DESIGN §4.

``states`` holds every lifecycle (the allowed transitions, in one place) and has no imports of its
own, so that ``planner.models`` can use its enums; ``lifecycle`` applies a transition to a row and
writes the audit trail.

The services, one module per concern; each takes the caller's ``Session`` and never commits:

* ``consents`` (answers, corrections, who has not answered), ``documents`` (scanned forms),
  ``letters`` (request and reminder PDFs);
* ``results`` (field results, one at a time or from the locksmith firm's CSV);
* ``readiness`` and ``history`` (keyless-ready customers and fully-live buildings, at any date),
  ``keyreturns`` (physical keys handed back);
* ``keys`` (staff, keys, which locks a key opens), ``shifts`` (schedules);
* ``accesslog`` (import and the hash chain), ``anomalies`` (anomalies and coverage);
* ``faults`` (intake to closing; repairs become jobs), ``work`` (customers ending and arriving);
* ``cli`` (the ``planner`` sub-commands). File formats: docs/lock-files.md.
"""
