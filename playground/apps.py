from django.apps import AppConfig


class PlaygroundConfig(AppConfig):
    """The sandbox where learners trigger signals and watch them fire.

    The sandbox models, receivers and signal log arrive with the playground
    issue; until then the app is installed but empty.
    """

    name = "playground"
    verbose_name = "Playground"
