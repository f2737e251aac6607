from tortoise import migrations
from tortoise.migrations import operations as ops
from models.campaigns import CampaignChannel, CampaignStatus, CreditKind, MessageStatus, MessageType, RunStatus, ScheduleKind
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0009_legacy_coupons')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Campaign',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=100)),
                ('message_type', fields.CharEnumField(description='ADVERTISING: ADVERTISING\nINFORMATIONAL: INFORMATIONAL', enum_type=MessageType, max_length=16)),
                ('channel', fields.CharEnumField(description='FRIENDTALK: FRIENDTALK\nALIMTALK: ALIMTALK\nSMS: SMS\nEMAIL: EMAIL', enum_type=CampaignChannel, max_length=16)),
                ('fallback_to_sms', fields.BooleanField(default=False)),
                ('subject', fields.CharField(default='', max_length=200)),
                ('text', fields.TextField(unique=False)),
                ('coupon_block', fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ('targets', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('schedule', fields.CharEnumField(description='NOW: NOW\nRESERVED: RESERVED\nREPEAT: REPEAT', enum_type=ScheduleKind, max_length=16)),
                ('send_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('repeat_every_days', fields.IntField(null=True)),
                ('repeat_time', fields.CharField(null=True, max_length=5)),
                ('start_date', fields.DateField(null=True)),
                ('end_date', fields.DateField(null=True)),
                ('visited_within_days', fields.IntField(null=True)),
                ('skip_messaged_within_days', fields.IntField(null=True)),
                ('never_twice', fields.BooleanField(default=False)),
                ('performance_days', fields.IntField(null=True)),
                ('status', fields.CharEnumField(default=CampaignStatus.DRAFT, description='DRAFT: DRAFT\nSCHEDULED: SCHEDULED\nRUNNING: RUNNING\nPAUSED: PAUSED\nDONE: DONE\nCANCELLED: CANCELLED', enum_type=CampaignStatus, max_length=16)),
                ('next_run_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_by', fields.ForeignKeyField('models.Operator', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='campaigns', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'campaign', 'app': 'models', 'indexes': [Index(fields=['status', 'next_run_at'])], 'pk_attr': 'id', 'table_description': '`targets` is {"segment_ids": [...], "groups": [...], "filters": tree or null, "member_ids": [...]}.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CampaignRun',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('models.Campaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='runs', on_delete=OnDelete.CASCADE)),
                ('scheduled_for', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('status', fields.CharEnumField(default=RunStatus.PLANNED, description='PLANNED: PLANNED\nSENDING: SENDING\nDEFERRED: DEFERRED\nPAUSED: PAUSED\nDONE: DONE\nCANCELLED: CANCELLED', enum_type=RunStatus, max_length=16)),
                ('targets', fields.IntField(default=0)),
                ('excluded', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('sent', fields.IntField(default=0)),
                ('failed', fields.IntField(default=0)),
                ('resume_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('pause_reason', fields.CharField(default='', max_length=64)),
                ('job', fields.ForeignKeyField('models.Job', source_field='job_id', null=True, db_constraint=True, to_field='id', related_name='campaign_runs', on_delete=OnDelete.SET_NULL)),
                ('started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'campaign_run', 'app': 'models', 'unique_together': (('campaign', 'scheduled_for'),), 'pk_attr': 'id', 'table_description': 'One sending of a campaign (a repeating campaign has one per occurrence).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CampaignMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('run', fields.ForeignKeyField('models.CampaignRun', source_field='run_id', db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.CASCADE)),
                ('campaign', fields.ForeignKeyField('models.Campaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='campaign_messages', on_delete=OnDelete.CASCADE)),
                ('channel', fields.CharField(default='', max_length=16)),
                ('recipient', fields.CharField(default='', max_length=254)),
                ('subject', fields.CharField(default='', max_length=200)),
                ('text', fields.TextField(default='', unique=False)),
                ('status', fields.CharEnumField(default=MessageStatus.QUEUED, description='QUEUED: QUEUED\nSENT: SENT\nFAILED: FAILED\nEXCLUDED: EXCLUDED', enum_type=MessageStatus, max_length=16)),
                ('reason', fields.CharField(default='', max_length=64)),
                ('provider_message_id', fields.CharField(default='', max_length=100)),
                ('price', fields.IntField(default=0)),
                ('attempts', fields.IntField(default=0)),
                ('queued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('next_attempt_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'campaign_message', 'app': 'models', 'unique_together': (('run', 'member'),), 'indexes': [Index(fields=['member_id', 'sent_at']), Index(fields=['run_id', 'status']), Index(fields=['campaign_id', 'member_id'])], 'pk_attr': 'id', 'table_description': 'A message to one member in one run: unique per (run, member), so a worker killed'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ComplianceEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('models.Campaign', source_field='campaign_id', null=True, db_constraint=True, to_field='id', related_name='compliance_events', on_delete=OnDelete.CASCADE)),
                ('run', fields.ForeignKeyField('models.CampaignRun', source_field='run_id', null=True, db_constraint=True, to_field='id', related_name='compliance_events', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=32)),
                ('reason', fields.CharField(max_length=64)),
                ('detail', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'compliance_event', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Something the advertising rules refused or deferred, for the compliance page.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CouponMessageTemplate',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('operator', fields.OneToOneField('models.Operator', source_field='operator_id', db_constraint=True, to_field='id', related_name='message_template', on_delete=OnDelete.CASCADE)),
                ('channel', fields.CharEnumField(description='FRIENDTALK: FRIENDTALK\nALIMTALK: ALIMTALK\nSMS: SMS\nEMAIL: EMAIL', enum_type=CampaignChannel, max_length=16)),
                ('text', fields.TextField(unique=False)),
                ('coupon_block', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'coupon_message_template', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The one draft an operator keeps (seed 003): the next save overwrites it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CreditEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='TOP_UP: TOP_UP\nCHARGE: CHARGE\nREFUND: REFUND', enum_type=CreditKind, max_length=8)),
                ('amount', fields.IntField()),
                ('message', fields.ForeignKeyField('models.CampaignMessage', source_field='message_id', null=True, db_constraint=True, to_field='id', related_name='credit_entries', on_delete=OnDelete.SET_NULL)),
                ('note', fields.CharField(default='', max_length=200)),
                ('created_by', fields.ForeignKeyField('models.Operator', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='credit_entries', on_delete=OnDelete.SET_NULL)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'credit_entry', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The prepaid message credit: TOP_UP adds, CHARGE takes (one per message sent), REFUND gives back.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OptOut',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='opt_outs', on_delete=OnDelete.CASCADE)),
                ('channel', fields.CharField(max_length=8)),
                ('via', fields.CharField(max_length=16)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('confirmation_sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'opt_out', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A withdrawal of marketing consent, by the unsubscribe link or a call to the 080 number'},
            bases=['Model'],
        ),
    ]
