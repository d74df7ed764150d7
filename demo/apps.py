from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo and history generators and ``seed_demo``: the top layer, never imported by a domain app."""

    name = "demo"
    verbose_name = _("演示数据")
