from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("督导检查")

    def ready(self) -> None:
        from portal import hooks
        from portal.jobs.registry import register
        from reviews import receivers
        from reviews.compliance import rule_versions
        from reviews.evaluations.selectors import member_page_grades
        from reviews.ratings import services as ratings
        from reviews.reports import services as reports
        from reviews.weak_branches import services as weak_branches

        hooks.meetings_changed.connect(receivers.meetings_changed)
        hooks.organization_structure_changed.connect(receivers.structure_changed)
        hooks.study_tasks_changed.connect(receivers.study_tasks_changed)
        hooks.member_page_queryset.connect(member_page_grades)
        register(
            rule_versions.COMPLIANCE_RECOMPUTE,
            rule_versions.compliance_recompute_run,
            title=rule_versions.COMPLIANCE_RECOMPUTE_TITLE,
            max_attempts=2,  # one transaction: a killed recompute wrote nothing and is run again
            stale_after=rule_versions.COMPLIANCE_RECOMPUTE_STALE_AFTER,
            soft_time_limit=rule_versions.COMPLIANCE_RECOMPUTE_SOFT_TIME_LIMIT,
        )
        register(
            reports.YEARLY_REPORT,
            reports.yearly_report_run,
            title=reports.YEARLY_REPORT_TITLE,
            # Idempotent: a re-run after a worker died sends only the chunks still missing, or the assembly.
            max_attempts=3,
            stale_after=reports.YEARLY_REPORT_STALE_AFTER,
            soft_time_limit=reports.YEARLY_REPORT_SOFT_TIME_LIMIT,
            result_template="reviews/partials/_yearly_report_result.html",
        )
        register(
            ratings.RATINGS_PROPOSE,
            ratings.ratings_propose_run,
            title=ratings.RATINGS_PROPOSE_TITLE,
            max_attempts=2,  # one transaction: a killed run wrote nothing and is run again
            stale_after=ratings.RATINGS_PROPOSE_STALE_AFTER,
            soft_time_limit=ratings.RATINGS_PROPOSE_SOFT_TIME_LIMIT,
        )
        register(
            weak_branches.WEAK_SUGGESTIONS,
            weak_branches.weak_suggestions_run,
            title=weak_branches.WEAK_SUGGESTIONS_TITLE,
            max_attempts=2,  # idempotent per chunk: a re-run replaces only suggestions still waiting
            stale_after=weak_branches.WEAK_SUGGESTIONS_STALE_AFTER,
            soft_time_limit=weak_branches.WEAK_SUGGESTIONS_SOFT_TIME_LIMIT,
        )
