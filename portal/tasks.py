"""The portal app's tasks, found by Celery's autodiscovery like every app's tasks.py: the background-job runner
and the reaper of jobs whose worker died (portal/jobs/tasks.py), the audit log's nightly pruning
(portal/audit/tasks.py); registered under their own modules' names."""

from portal.audit.tasks import audit_prune
from portal.jobs.tasks import job_run, jobs_reap_stale

__all__ = ["audit_prune", "job_run", "jobs_reap_stale"]
