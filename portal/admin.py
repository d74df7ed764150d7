import portal.jobs.admin  # noqa: F401 - registers the background job's admin
