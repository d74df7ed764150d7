from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.audit.models import AuditEvent  # noqa: F401 - the audit log's model lives in portal/audit/
from portal.jobs.models import Job  # noqa: F401 - the background job's model lives in portal/jobs/


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True
