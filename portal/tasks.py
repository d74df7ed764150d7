"""The portal app's tasks, found by Celery's autodiscovery like every app's tasks.py: the background-job runner
and the reaper of jobs whose worker died (portal/jobs/tasks.py, registered under their own module's names)."""

from portal.jobs.tasks import job_run, jobs_reap_stale

__all__ = ["job_run", "jobs_reap_stale"]
