"""The 整改 column of the compliance dashboard: the figures of one child, looked up (nothing is computed here)."""

from django import template

from reviews.oversight.rollups import Figures
from reviews.oversight.selectors import RectificationFigures

register = template.Library()


@register.filter
def figures_of(rectification: RectificationFigures, organization_id: int) -> Figures:
    """`{{ rectification|figures_of:row.organization.pk }}`: the child's roll-up figures (zero without a row)."""
    return rectification.of(organization_id)
