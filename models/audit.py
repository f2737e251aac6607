from tortoise import fields
from tortoise.models import Model


class AuditEntry(Model):
    """One operator change: who, what, when, and the values before and after."""

    id = fields.BigIntField(primary_key=True)
    operator = fields.ForeignKeyField(
        "models.Operator", related_name="audit_entries", null=True, on_delete=fields.SET_NULL
    )
    # Kept as text too, so the entry still names its author if the operator is deleted.
    actor_label = fields.CharField(max_length=100)
    action = fields.CharField(max_length=64)
    entity_type = fields.CharField(max_length=64)
    entity_id = fields.CharField(max_length=64)
    before = fields.JSONField(null=True)
    after = fields.JSONField(null=True)
    at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "audit_entry"
        ordering = ["-id"]
        indexes = (("entity_type", "entity_id"), ("at",))
