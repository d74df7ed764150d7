"""Background jobs with progress: the one pattern for every action too long for a request.

The request calls `services.job_start(kind=…, owner=…, organization=…, params=…)` and redirects to the job's
page (`portal:job_status`); the job is sent to Celery when the transaction commits (in-process, at once, when
there is no Redis). The worker task `tasks.job_run` claims the row with one UPDATE (queued → running), calls the
runner its kind registered (`registry.register`), and ends the job done or failed. The page polls
`templates/portal/partials/_job.html` every 2 s while the job is live. `tasks.jobs_reap_stale` (beat, every
minute) re-queues or fails a running job whose worker died. Progress is written to the cache so that the page
sees it even while the runner's writes sit in an uncommitted transaction: see `progress`.
"""
