from django.apps import AppConfig


class ChildrenConfig(AppConfig):
    name = "children"
    verbose_name = "Children"

    def ready(self) -> None:
        # Imported here, once the models are loaded, as Django asks of code that ready() wires.
        from children import services
        from setting_records.signals import staff_left

        staff_left.connect(services.on_staff_left, dispatch_uid="children_staff_left")
