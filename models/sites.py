from tortoise import fields
from tortoise.models import Model


class Site(Model):
    """One storefront of the shop. Coupons, members and products belong to a site."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=100)
    domain = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "site"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
