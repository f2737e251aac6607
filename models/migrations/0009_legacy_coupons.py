from tortoise import migrations
from tortoise.migrations import operations as ops
from models.fields import EncryptedTextField
from models.legacy import ApplicationStatus, LegacyEvent, LegacyIssueStatus, LegacyKind, MigrationStage, PaperMethod
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0008_segments_and_activity')]

    initial = False

    operations = [
        ops.CreateModel(
            name='LegacyCoupon',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('site', fields.ForeignKeyField('models.Site', source_field='site_id', null=True, db_constraint=True, to_field='id', related_name='legacy_coupons', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharEnumField(description='JACKPOT: JACKPOT\nPAPER: PAPER', enum_type=LegacyKind, max_length=16)),
                ('number', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(max_length=200)),
                ('description', fields.TextField(default='', unique=False)),
                ('benefit', fields.CharField(default='', max_length=200)),
                ('issue_from', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('issue_to', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('issue_days', fields.IntField(null=True)),
                ('display_from', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('display_to', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('issue_status', fields.CharEnumField(description='AVAILABLE: AVAILABLE\nEXPIRED: EXPIRED', enum_type=LegacyIssueStatus, max_length=16)),
                ('paper_method', fields.CharEnumField(null=True, description='SAME_SERIAL: SAME_SERIAL\nRANDOM_SERIALS: RANDOM_SERIALS', enum_type=PaperMethod, max_length=16)),
                ('paper_code', fields.CharField(default='', max_length=40)),
                ('issued_count', fields.IntField(default=0)),
                ('used_count', fields.IntField(default=0)),
                ('available_count', fields.IntField(default=0)),
                ('target_coupon', fields.OneToOneField('models.Coupon', source_field='target_coupon_id', null=True, db_constraint=True, to_field='id', related_name='legacy_source', on_delete=OnDelete.RESTRICT)),
                ('target_serial', fields.OneToOneField('models.SerialCampaign', source_field='target_serial_id', null=True, db_constraint=True, to_field='id', related_name='legacy_source', on_delete=OnDelete.RESTRICT)),
                ('stage', fields.CharEnumField(default=MigrationStage.NONE, description='NONE: NONE\nREQUESTED: REQUESTED\nMIGRATED: MIGRATED', enum_type=MigrationStage, max_length=16)),
                ('requested_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('migrated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'legacy_coupon', 'app': 'models', 'indexes': [Index(fields=['kind', 'stage'])], 'pk_attr': 'id', 'table_description': 'A coupon of the old system. Issue period: issue_from/issue_to (UTC instants), or issue_days'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LegacyRecord',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('legacy_coupon', fields.ForeignKeyField('models.LegacyCoupon', source_field='legacy_coupon_id', db_constraint=True, to_field='id', related_name='records', on_delete=OnDelete.RESTRICT)),
                ('row_key', fields.CharField(unique=True, max_length=40)),
                ('member_login_id', fields.CharField(default='', max_length=64)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', null=True, db_constraint=True, to_field='id', related_name='legacy_records', on_delete=OnDelete.SET_NULL)),
                ('code', fields.CharField(default='', max_length=40)),
                ('issued_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('order_ref', fields.CharField(default='', max_length=64)),
                ('member_coupon', fields.OneToOneField('models.MemberCoupon', source_field='member_coupon_id', null=True, db_constraint=True, to_field='id', related_name='legacy_record', on_delete=OnDelete.RESTRICT)),
                ('moved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'legacy_record', 'app': 'models', 'indexes': [Index(fields=['legacy_coupon_id', 'moved_at']), Index(fields=['legacy_coupon_id', 'member_id']), Index(fields=['member_login_id']), Index(fields=['code'])], 'pk_attr': 'id', 'table_description': 'One issue (and maybe use) of a legacy coupon. `row_key` identifies the row of the export'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LegacyTrigger',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.CharEnumField(description='REFERRAL: REFERRAL\nGRADE_CHANGE: GRADE_CHANGE\nBIRTHDAY_ANNIVERSARY: BIRTHDAY_ANNIVERSARY\nMEMBER_UPDATE: MEMBER_UPDATE\nLIFETIME_MEMBERSHIP: LIFETIME_MEMBERSHIP\nATTENDANCE: ATTENDANCE\nCART_TARGET_MESSAGE: CART_TARGET_MESSAGE\nRETURN_MEMBERSHIP: RETURN_MEMBERSHIP\nREVIEW_REWARD: REVIEW_REWARD\nAPP_LOGIN: APP_LOGIN\nHIDDEN_ICON_EVENT: HIDDEN_ICON_EVENT', enum_type=LegacyEvent, max_length=32)),
                ('legacy_coupon', fields.ForeignKeyField('models.LegacyCoupon', source_field='legacy_coupon_id', db_constraint=True, to_field='id', related_name='triggers', on_delete=OnDelete.CASCADE)),
                ('note', fields.CharField(default='', max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'legacy_trigger', 'app': 'models', 'unique_together': (('event', 'legacy_coupon'),), 'pk_attr': 'id', 'table_description': 'An automatic-issue setting of the old system: when `event` happens, issue `legacy_coupon`.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MigrationApplication',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('applicant_name', EncryptedTextField(default='', unique=False)),
                ('applicant_email', EncryptedTextField(default='', unique=False)),
                ('applicant_phone', EncryptedTextField(default='', unique=False)),
                ('wished_date', fields.DateField()),
                ('consent', fields.BooleanField(default=False)),
                ('consented_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('status', fields.CharEnumField(default=ApplicationStatus.SUBMITTED, description='SUBMITTED: SUBMITTED\nSCHEDULED: SCHEDULED\nRUNNING: RUNNING\nCOMPLETED: COMPLETED\nCANCELLED: CANCELLED', enum_type=ApplicationStatus, max_length=16)),
                ('scheduled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('job', fields.ForeignKeyField('models.Job', source_field='job_id', null=True, db_constraint=True, to_field='id', related_name='migration_applications', on_delete=OnDelete.SET_NULL)),
                ('moved_count', fields.IntField(default=0)),
                ('already_count', fields.IntField(default=0)),
                ('unmatched_count', fields.IntField(default=0)),
                ('submitted_by', fields.CharField(default='', max_length=100)),
                ('erased_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'migration_application', 'app': 'models', 'indexes': [Index(fields=['status', 'scheduled_at'])], 'pk_attr': 'id', 'table_description': '신청서: who asked for the migration of the coupons REQUESTED when it was submitted.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ApplicationCoupon',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('models.MigrationApplication', source_field='application_id', db_constraint=True, to_field='id', related_name='coupons', on_delete=OnDelete.CASCADE)),
                ('legacy_coupon', fields.ForeignKeyField('models.LegacyCoupon', source_field='legacy_coupon_id', db_constraint=True, to_field='id', related_name='applications', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'migration_application_coupon', 'app': 'models', 'unique_together': (('application', 'legacy_coupon'),), 'pk_attr': 'id', 'table_description': 'Which legacy coupons an application covers.'},
            bases=['Model'],
        ),
    ]
