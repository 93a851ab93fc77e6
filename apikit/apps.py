from django.apps import AppConfig


class ApikitConfig(AppConfig):
    name = "apikit"
    verbose_name = "API machinery"

    def ready(self):
        from apikit import checks  # noqa: F401 (registers the representation check)
