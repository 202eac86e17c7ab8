"""A reviewer's department mandate becomes a stage mandate: a stage for one department or the whole university."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_roles_roster"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="departmentreviewer", name="reviewer_unique_department"),
        migrations.RenameModel(old_name="DepartmentReviewer", new_name="Mandate"),
        # Existing rows are college-review mandates: they get the default stage key.
        migrations.AddField(
            model_name="mandate", name="stage",
            field=models.SlugField(default="department", max_length=32, verbose_name="stage"),
        ),
        migrations.AddField(
            model_name="mandate", name="granted_by",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="+", to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name="mandate", name="user",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="mandates",
                                    to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name="mandate", name="department",
            field=models.ForeignKey(blank=True, help_text="empty: every department", null=True,
                                    on_delete=django.db.models.deletion.CASCADE, related_name="mandates",
                                    to="accounts.department", verbose_name="department"),
        ),
        migrations.AlterModelOptions(
            name="mandate",
            options={"ordering": ["stage", "department__code", "user_id"], "verbose_name": "mandate",
                     "verbose_name_plural": "mandates"},
        ),
        migrations.AddConstraint(
            model_name="mandate",
            constraint=models.UniqueConstraint(condition=models.Q(("department__isnull", False)),
                                               fields=("user", "stage", "department"),
                                               name="mandate_unique_department"),
        ),
        migrations.AddConstraint(
            model_name="mandate",
            constraint=models.UniqueConstraint(condition=models.Q(("department__isnull", True)),
                                               fields=("user", "stage"), name="mandate_unique_university"),
        ),
    ]
