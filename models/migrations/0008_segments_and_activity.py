from tortoise import migrations
from tortoise.migrations import operations as ops
from models.access import ApiKeyScope
from models.activity import ConsentChannel, PointKind
from models.coupons import Channel
from models.members import Grade
from models.segments import SegmentKind
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0007_orders_shipping_refunds')]

    initial = False

    operations = [
        ops.CreateModel(
            name='GradeChange',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='grade_changes', on_delete=OnDelete.CASCADE)),
                ('from_grade', fields.CharEnumField(null=True, description='BASIC: BASIC\nSILVER: SILVER\nGOLD: GOLD\nVIP: VIP', enum_type=Grade, max_length=16)),
                ('to_grade', fields.CharEnumField(description='BASIC: BASIC\nSILVER: SILVER\nGOLD: GOLD\nVIP: VIP', enum_type=Grade, max_length=16)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'grade_change', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MarketingConsent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='consents', on_delete=OnDelete.CASCADE)),
                ('channel', fields.CharEnumField(description='SMS: SMS\nKAKAO: KAKAO\nEMAIL: EMAIL\nPUSH: PUSH\nNIGHT: NIGHT', enum_type=ConsentChannel, max_length=8)),
                ('granted', fields.BooleanField()),
                ('changed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('source', fields.CharField(default='', max_length=50)),
                ('notified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'marketing_consent', 'app': 'models', 'unique_together': (('member', 'channel'),), 'indexes': [Index(fields=['channel', 'granted'])], 'pk_attr': 'id', 'table_description': "A member's current consent on one channel: given when `granted`, withdrawn otherwise."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MemberTag',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='tags', on_delete=OnDelete.CASCADE)),
                ('tag', fields.CharField(max_length=50)),
                ('tagged_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'member_tag', 'app': 'models', 'unique_together': (('member', 'tag'),), 'indexes': [Index(fields=['tag'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PointEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='point_entries', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='EARN: EARN\nSPEND: SPEND', enum_type=PointKind, max_length=8)),
                ('amount', fields.IntField()),
                ('reason', fields.CharField(default='', max_length=200)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('external_id', fields.CharField(null=True, unique=True, max_length=64)),
            ],
            options={'table': 'point_entry', 'app': 'models', 'indexes': [Index(fields=['member_id', 'at'])], 'pk_attr': 'id', 'table_description': 'One ledger line: EARN adds `amount`, SPEND takes it away (amount is always positive).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Segment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=100)),
                ('description', fields.TextField(default='', unique=False)),
                ('kind', fields.CharEnumField(default=SegmentKind.CUSTOM, description='CUSTOM: CUSTOM\nBUILTIN: BUILTIN', enum_type=SegmentKind, max_length=8)),
                ('builtin_key', fields.CharField(null=True, unique=True, max_length=32)),
                ('site', fields.ForeignKeyField('models.Site', source_field='site_id', null=True, db_constraint=True, to_field='id', related_name='segments', on_delete=OnDelete.RESTRICT)),
                ('tree', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('size', fields.IntField(null=True)),
                ('computed_for', fields.DateField(null=True)),
                ('computed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('is_deleted', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'segment', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CouponAudience',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('coupon', fields.ForeignKeyField('models.Coupon', source_field='coupon_id', db_constraint=True, to_field='id', related_name='audience', on_delete=OnDelete.CASCADE)),
                ('segment', fields.ForeignKeyField('models.Segment', source_field='segment_id', db_constraint=True, to_field='id', related_name='coupons', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'coupon_audience', 'app': 'models', 'unique_together': (('coupon', 'segment'),), 'pk_attr': 'id', 'table_description': 'A coupon restricted to members of these segments (none: every member).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SegmentMember',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('segment', fields.ForeignKeyField('models.Segment', source_field='segment_id', db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.CASCADE)),
                ('day', fields.DateField()),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='segment_rows', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'segment_member', 'app': 'models', 'unique_together': (('segment', 'day', 'member'),), 'indexes': [Index(fields=['member_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SegmentSnapshot',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('segment', fields.ForeignKeyField('models.Segment', source_field='segment_id', db_constraint=True, to_field='id', related_name='snapshots', on_delete=OnDelete.CASCADE)),
                ('day', fields.DateField()),
                ('size', fields.IntField()),
                ('computed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('tree', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
            ],
            options={'table': 'segment_snapshot', 'app': 'models', 'unique_together': (('segment', 'day'),), 'pk_attr': 'id', 'table_description': 'The size of a segment on one Seoul day, and when it was computed.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SerialAudience',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('models.SerialCampaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='audience', on_delete=OnDelete.CASCADE)),
                ('segment', fields.ForeignKeyField('models.Segment', source_field='segment_id', db_constraint=True, to_field='id', related_name='serials', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'serial_audience', 'app': 'models', 'unique_together': (('campaign', 'segment'),), 'pk_attr': 'id', 'table_description': 'Serial code registration restricted to members of these segments or groups.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Visit',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='visits', on_delete=OnDelete.CASCADE)),
                ('site', fields.ForeignKeyField('models.Site', source_field='site_id', db_constraint=True, to_field='id', related_name='visits', on_delete=OnDelete.CASCADE)),
                ('channel', fields.CharEnumField(description='PC_WEB: PC_WEB\nMOBILE_WEB: MOBILE_WEB\nAPP: APP', enum_type=Channel, max_length=16)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'member_visit', 'app': 'models', 'indexes': [Index(fields=['member_id', 'at']), Index(fields=['at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='ApiKey',
            name='scope',
            field=fields.CharEnumField(default=ApiKeyScope.READ, description='READ: READ\nINTEGRATION: INTEGRATION', enum_type=ApiKeyScope, max_length=16),
        ),
    ]
