"""What the migrations that move a model from one app to another share: its content type follows it.

The permissions given to staff groups, and the admin's history, point at the content type: renaming it
(instead of letting Django create a new one) keeps them.
"""


def move_content_types(*, from_app: str, to_app: str, models: tuple[str, ...]):
    """A RunPython pair (forwards, backwards) that moves the content types of `models` (lower-case names)."""

    def move(apps, source: str, target: str) -> None:
        content_type = apps.get_model("contenttypes", "ContentType")
        for model in models:
            if not content_type.objects.filter(app_label=target, model=model).exists():
                content_type.objects.filter(app_label=source, model=model).update(app_label=target)

    def forwards(apps, schema_editor):
        move(apps, from_app, to_app)

    def backwards(apps, schema_editor):
        move(apps, to_app, from_app)

    return forwards, backwards
