"""The govpatrol scheduler service (`govpatrol scheduler`).

- :mod:`scheduler.schedule` the schedules as data (triggers from ``[scheduler]``, fire times)
- :mod:`scheduler.jobs`     what each job runs (a ``govpatrol`` subprocess) and the Runner seam
- :mod:`scheduler.lock`     one running scheduler per job store (flock or Redis SET NX)
- :mod:`scheduler.service`  the APScheduler service: job store, executor, signals
"""
