from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class ProductKind(StrEnum):
    COURSE = "COURSE"
    BOOK = "BOOK"
    FREE_PASS = "FREE_PASS"
    EXTENSION = "EXTENSION"


class Category(Model):
    id = fields.IntField(primary_key=True)
    site = fields.ForeignKeyField("models.Site", related_name="categories", on_delete=fields.RESTRICT)
    name = fields.CharField(max_length=100)
    sort_order = fields.IntField(default=0)

    class Meta:
        table = "category"
        ordering = ["sort_order", "id"]
        unique_together = (("site", "name"),)


class Product(Model):
    """A course, book or pass the shop sells. Prices are integer won."""

    id = fields.IntField(primary_key=True)
    site = fields.ForeignKeyField("models.Site", related_name="products", on_delete=fields.RESTRICT)
    category = fields.ForeignKeyField(
        "models.Category", related_name="products", null=True, on_delete=fields.SET_NULL
    )
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=200)
    kind = fields.CharEnumField(ProductKind, max_length=16)
    price = fields.IntField()
    # Courses paid with a government training card never take coupons (SPEC 1, seed 001).
    training_card_eligible = fields.BooleanField(default=False)
    # Statistics filters (seed 001): online or offline, regular (cohorts) or always open.
    is_online = fields.BooleanField(default=True, db_default=True)
    is_always_open = fields.BooleanField(default=False, db_default=False)
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "product"
        ordering = ["id"]
