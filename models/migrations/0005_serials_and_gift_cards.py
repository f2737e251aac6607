from tortoise import migrations
from tortoise.migrations import operations as ops
from models.codes import CodeKind
from models.giftcards import GiftCardStatus, RedemptionStatus
from models.serials import SerialStatus, SerialType
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_job_unique_key')]

    initial = False

    operations = [
        ops.CreateModel(
            name='FailedRegistration',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.IntField(null=True)),
                ('client_ip', fields.CharField(default='', max_length=64)),
                ('reason', fields.CharField(max_length=40)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'failed_registration', 'app': 'models', 'indexes': [Index(fields=['member_id', 'at']), Index(fields=['client_ip', 'at'])], 'pk_attr': 'id', 'table_description': 'Failed code entries (serials and coupon codes), read to throttle guessing.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GiftCardCampaign',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=100)),
                ('value', fields.IntField()),
                ('code_prefix', fields.CharField(default='', max_length=10)),
                ('code_pattern', fields.CharField(default='', max_length=40)),
                ('code_length', fields.IntField(default=16)),
                ('valid_from', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('valid_to', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('max_uses', fields.IntField(null=True)),
                ('status', fields.CharEnumField(default=GiftCardStatus.ACTIVE, description='ACTIVE: ACTIVE\nDISABLED: DISABLED', enum_type=GiftCardStatus, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'gift_card_campaign', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GiftCard',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('models.GiftCardCampaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='cards', on_delete=OnDelete.RESTRICT)),
                ('code', fields.CharField(unique=True, max_length=40)),
                ('initial_value', fields.IntField()),
                ('balance', fields.IntField()),
                ('uses', fields.IntField(default=0)),
                ('status', fields.CharEnumField(default=GiftCardStatus.ACTIVE, description='ACTIVE: ACTIVE\nDISABLED: DISABLED', enum_type=GiftCardStatus, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'gift_card', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GiftCardRedemption',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('card', fields.ForeignKeyField('models.GiftCard', source_field='card_id', null=True, db_constraint=True, to_field='id', related_name='redemptions', on_delete=OnDelete.RESTRICT)),
                ('code_text', fields.CharField(max_length=64)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', null=True, db_constraint=True, to_field='id', related_name='gift_card_redemptions', on_delete=OnDelete.SET_NULL)),
                ('amount', fields.IntField()),
                ('status', fields.CharEnumField(description='SUCCEEDED: SUCCEEDED\nFAILED: FAILED\nROLLED_BACK: ROLLED_BACK', enum_type=RedemptionStatus, max_length=16)),
                ('reason', fields.CharField(default='', max_length=40)),
                ('source', fields.CharField(default='ORDER', max_length=16)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'gift_card_redemption', 'app': 'models', 'indexes': [Index(fields=['status', 'at'])], 'pk_attr': 'id', 'table_description': 'Every attempt, failed ones included (with the reason). `card` is empty for an unknown code.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SerialCampaign',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('site', fields.ForeignKeyField('models.Site', source_field='site_id', null=True, db_constraint=True, to_field='id', related_name='serial_campaigns', on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=100)),
                ('channels', fields.CharField(default='APP,MOBILE_WEB,PC_WEB', max_length=64)),
                ('register_from', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('register_to', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('member_grades', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('type', fields.CharEnumField(description='FIXED: FIXED\nRANDOM: RANDOM', enum_type=SerialType, max_length=16)),
                ('quantity_limit', fields.IntField(null=True)),
                ('registered_count', fields.IntField(default=0)),
                ('per_member_limit', fields.IntField(default=1)),
                ('code_prefix', fields.CharField(default='', max_length=10)),
                ('code_pattern', fields.CharField(default='', max_length=40)),
                ('code_length', fields.IntField(default=12)),
                ('status', fields.CharEnumField(default=SerialStatus.ACTIVE, description='ACTIVE: ACTIVE\nSTOPPED: STOPPED', enum_type=SerialStatus, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'serial_campaign', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Code',
            fields=[
                ('code', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('kind', fields.CharEnumField(description='COUPON: COUPON\nSERIAL: SERIAL\nGIFT_CARD: GIFT_CARD', enum_type=CodeKind, max_length=16)),
                ('serial_campaign', fields.ForeignKeyField('models.SerialCampaign', source_field='serial_campaign_id', null=True, db_constraint=True, to_field='id', related_name='codes', on_delete=OnDelete.CASCADE)),
                ('registrations', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'code', 'app': 'models', 'indexes': [Index(fields=['serial_campaign_id', 'registrations'])], 'pk_attr': 'code', 'table_description': 'A typed code, stored normalised (upper-case, no spaces or hyphens), so lookups are'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SerialMemberCount',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('models.SerialCampaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='member_counts', on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='serial_counts', on_delete=OnDelete.CASCADE)),
                ('registrations', fields.IntField(default=0)),
            ],
            options={'table': 'serial_member_count', 'app': 'models', 'unique_together': (('campaign', 'member'),), 'pk_attr': 'id', 'table_description': 'Registrations per member and campaign, for the duplicate limit (a conditional UPDATE).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SerialRegistration',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('models.SerialCampaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='registrations', on_delete=OnDelete.CASCADE)),
                ('code', fields.ForeignKeyField('models.Code', source_field='code_id', db_constraint=True, to_field='code', related_name='serial_registrations', on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='serial_registrations', on_delete=OnDelete.RESTRICT)),
                ('client_ip', fields.CharField(default='', max_length=64)),
                ('registered_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'serial_registration', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SerialReward',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('models.SerialCampaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='rewards', on_delete=OnDelete.CASCADE)),
                ('coupon', fields.ForeignKeyField('models.Coupon', source_field='coupon_id', db_constraint=True, to_field='id', related_name='serial_rewards', on_delete=OnDelete.RESTRICT)),
                ('quantity', fields.IntField(default=1)),
            ],
            options={'table': 'serial_reward', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Order',
            name='gift_card_amount',
            field=fields.IntField(default=0, db_default=0),
        ),
        # Coupon codes created before this migration claim their code in the shared table too.
        ops.RunSQL(
            "INSERT INTO code (code, kind, registrations, created_at) "
            "SELECT code, 'COUPON', 0, created_at FROM coupon_code",
            reverse_sql="DELETE FROM code WHERE kind = 'COUPON'",
        ),
    ]
