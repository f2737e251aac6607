from tortoise import migrations
from tortoise.migrations import operations as ops
from models.coupons import TriggerEvent
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0010_campaigns')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='CouponTrigger',
            name='coupon',
            field=fields.ForeignKeyField('models.Coupon', source_field='coupon_id', null=True, db_constraint=True, to_field='id', related_name='triggers', on_delete=OnDelete.CASCADE),
        ),
        ops.AlterField(
            model_name='CouponTrigger',
            name='event',
            field=fields.CharEnumField(null=True, description='SIGN_UP: SIGN_UP\nFIRST_PURCHASE: FIRST_PURCHASE\nBIRTHDAY: BIRTHDAY\nGRADE_CHANGE: GRADE_CHANGE\nMEMBER_UPDATE: MEMBER_UPDATE', enum_type=TriggerEvent, max_length=20),
        ),
        ops.AddField(
            model_name='CouponTrigger',
            name='legacy_event',
            field=fields.CharField(default='', db_default='', max_length=32),
        ),
        ops.AddField(
            model_name='CouponTrigger',
            name='legacy_trigger',
            field=fields.OneToOneField('models.LegacyTrigger', source_field='legacy_trigger_id', null=True, db_constraint=True, to_field='id', related_name='coupon_trigger', on_delete=OnDelete.SET_NULL),
        ),
    ]
