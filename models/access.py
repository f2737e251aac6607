from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Role(StrEnum):
    """Operator roles, strongest first: OWNER manages operators and keys, VIEWER only reads."""

    OWNER = "OWNER"
    OPERATOR = "OPERATOR"
    VIEWER = "VIEWER"


class ApiKeyScope(StrEnum):
    """READ: dashboards read shop data. INTEGRATION: the shop's back end writes member
    activity (visits, points, tags, member details) and nothing else."""

    READ = "READ"
    INTEGRATION = "INTEGRATION"


class Operator(Model):
    id = fields.IntField(primary_key=True)
    login_id = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=50)
    email = fields.CharField(max_length=254, default="")
    password_hash = fields.CharField(max_length=200)
    role = fields.CharEnumField(Role, max_length=16)
    # None: follow the browser's Accept-Language.
    locale = fields.CharField(max_length=8, null=True)
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_login_at = fields.DatetimeField(null=True)

    class Meta:
        table = "operator"
        ordering = ["id"]


class ApiKey(Model):
    """A dashboard key. The caller sends `kpk_<prefix>_<secret>`, and only its SHA-256 is stored."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    prefix = fields.CharField(max_length=16, unique=True)
    key_hash = fields.CharField(max_length=64)
    scope = fields.CharEnumField(ApiKeyScope, max_length=16, default=ApiKeyScope.READ)
    created_by = fields.ForeignKeyField(
        "models.Operator", related_name="api_keys", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_key"
