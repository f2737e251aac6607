from tortoise import migrations
from tortoise.migrations import operations as ops
from models.fields import EncryptedTextField
from models.orders import ItemStatus, PaymentMethod
from models.refunds import RefundMethod, RefundStatus
from models.shipping import InvoiceUploadStatus, ShipmentStatus
from models.training import EnrolmentStatus
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0006_notices')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Carrier',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(max_length=50)),
                ('tracking_url', fields.CharField(default='', max_length=300)),
                ('is_active', fields.BooleanField(default=True)),
            ],
            options={'table': 'carrier', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A courier. `tracking_url` holds "{invoice}" where the invoice number goes.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InvoiceUpload',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('carrier', fields.ForeignKeyField('models.Carrier', source_field='carrier_id', db_constraint=True, to_field='id', related_name='uploads', on_delete=OnDelete.RESTRICT)),
                ('target_status', fields.CharEnumField(description='WAITING: WAITING\nPREPARING: PREPARING\nSHIPPED: SHIPPED\nDELIVERED: DELIVERED\nPURCHASE_CONFIRMED: PURCHASE_CONFIRMED', enum_type=ShipmentStatus, max_length=20)),
                ('filename', fields.CharField(max_length=200)),
                ('rows', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('status', fields.CharEnumField(default=InvoiceUploadStatus.PREVIEW, description='PREVIEW: PREVIEW\nAPPLIED: APPLIED\nCANCELLED: CANCELLED', enum_type=InvoiceUploadStatus, max_length=16)),
                ('created_by', fields.ForeignKeyField('models.Operator', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='invoice_uploads', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('applied_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'invoice_upload', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A bulk invoice spreadsheet: parsed rows with their errors are kept for the preview, and'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MemberMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.CASCADE)),
                ('template', fields.CharField(max_length=64)),
                ('payload', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('status', fields.CharField(default='PENDING', max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'member_message', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The outbox of messages to members (refund results now, campaigns later).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PaymentRecord',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.CASCADE)),
                ('method', fields.CharEnumField(description='CARD: CARD\nBANK_TRANSFER: BANK_TRANSFER\nVIRTUAL_ACCOUNT: VIRTUAL_ACCOUNT\nMOBILE: MOBILE\nFOREIGN_CARD: FOREIGN_CARD\nSHOP_ACCOUNT: SHOP_ACCOUNT\nTRAINING_CARD: TRAINING_CARD\nFREE: FREE', enum_type=PaymentMethod, max_length=20)),
                ('amount', fields.IntField()),
                ('transaction_id', fields.CharField(default='', max_length=100)),
                ('result_code', fields.CharField(default='', max_length=20)),
                ('result_message', fields.CharField(default='', max_length=200)),
                ('card_issuer', fields.CharField(default='', max_length=50)),
                ('installment_months', fields.IntField(default=0)),
                ('paid_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('gateway_response', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
            ],
            options={'table': 'payment_record', 'app': 'models', 'pk_attr': 'id', 'table_description': 'What the payment gateway reported for an order (seed 001 결제내역).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RefundRequest',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='refunds', on_delete=OnDelete.RESTRICT)),
                ('item_ids', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('requested_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('requested_by', fields.CharField(max_length=100)),
                ('status', fields.CharEnumField(default=RefundStatus.REQUESTED, description='REQUESTED: REQUESTED\nCOMPLETED: COMPLETED\nREJECTED: REJECTED', enum_type=RefundStatus, max_length=16)),
                ('amount', fields.IntField()),
                ('refunded_amount', fields.IntField(default=0)),
                ('reason', fields.TextField(default='', unique=False)),
                ('method', fields.CharEnumField(default=RefundMethod.CARD_CANCEL, description='CARD_CANCEL: CARD_CANCEL\nBANK_TRANSFER: BANK_TRANSFER', enum_type=RefundMethod, max_length=20)),
                ('bank', fields.CharField(default='', max_length=50)),
                ('account_number', EncryptedTextField(null=True, unique=False)),
                ('account_holder', fields.CharField(default='', max_length=50)),
                ('memo', fields.TextField(default='', unique=False)),
                ('handler', fields.ForeignKeyField('models.Operator', source_field='handler_id', null=True, db_constraint=True, to_field='id', related_name='handled_refunds', on_delete=OnDelete.SET_NULL)),
                ('rejected_reason', fields.TextField(default='', unique=False)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'refund_request', 'app': 'models', 'indexes': [Index(fields=['status', 'requested_at'])], 'pk_attr': 'id', 'table_description': 'A request to give money back for some items of an order. `amount` is what was asked for,'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Shipment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('item', fields.OneToOneField('models.OrderItem', source_field='item_id', db_constraint=True, to_field='id', related_name='shipment', on_delete=OnDelete.CASCADE)),
                ('carrier', fields.ForeignKeyField('models.Carrier', source_field='carrier_id', null=True, db_constraint=True, to_field='id', related_name='shipments', on_delete=OnDelete.SET_NULL)),
                ('invoice_number', fields.CharField(default='', max_length=50)),
                ('status', fields.CharEnumField(default=ShipmentStatus.WAITING, description='WAITING: WAITING\nPREPARING: PREPARING\nSHIPPED: SHIPPED\nDELIVERED: DELIVERED\nPURCHASE_CONFIRMED: PURCHASE_CONFIRMED', enum_type=ShipmentStatus, max_length=20)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'shipment', 'app': 'models', 'indexes': [Index(fields=['status'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TrainingEnrolment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('item', fields.OneToOneField('models.OrderItem', source_field='item_id', db_constraint=True, to_field='id', related_name='enrolment', on_delete=OnDelete.CASCADE)),
                ('course', fields.ForeignKeyField('models.Product', source_field='course_id', db_constraint=True, to_field='id', related_name='enrolments', on_delete=OnDelete.RESTRICT)),
                ('cohort_year', fields.IntField()),
                ('cohort_round', fields.IntField()),
                ('status', fields.CharEnumField(default=EnrolmentStatus.APPLIED, description='APPLIED: APPLIED\nAPPROVED: APPROVED\nCANCELLED: CANCELLED', enum_type=EnrolmentStatus, max_length=16)),
                ('trainee_name', fields.CharField(max_length=50)),
                ('resident_number', EncryptedTextField(unique=False)),
                ('card_number', EncryptedTextField(unique=False)),
                ('card_last4', fields.CharField(default='', max_length=4)),
                ('approved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('approved_by', fields.ForeignKeyField('models.Operator', source_field='approved_by_id', null=True, db_constraint=True, to_field='id', related_name='approved_enrolments', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'training_enrolment', 'app': 'models', 'indexes': [Index(fields=['course_id', 'cohort_year', 'cohort_round'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Order',
            name='is_temporary',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Order',
            name='paid_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Order',
            name='payment_method',
            field=fields.CharEnumField(default=PaymentMethod.CARD, description='CARD: CARD\nBANK_TRANSFER: BANK_TRANSFER\nVIRTUAL_ACCOUNT: VIRTUAL_ACCOUNT\nMOBILE: MOBILE\nFOREIGN_CARD: FOREIGN_CARD\nSHOP_ACCOUNT: SHOP_ACCOUNT\nTRAINING_CARD: TRAINING_CARD\nFREE: FREE', db_default='CARD', enum_type=PaymentMethod, max_length=20),
        ),
        ops.AddField(
            model_name='Order',
            name='refunded_amount',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='OrderItem',
            name='list_price',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='OrderItem',
            name='refunded_amount',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='OrderItem',
            name='status',
            field=fields.CharEnumField(default=ItemStatus.ORDERED, description='ORDERED: ORDERED\nCANCELLED: CANCELLED\nPARTIALLY_REFUNDED: PARTIALLY_REFUNDED\nREFUNDED: REFUNDED', db_default='ORDERED', enum_type=ItemStatus, max_length=20),
        ),
        ops.AddField(
            model_name='OrderItem',
            name='subsidy',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Product',
            name='is_always_open',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Product',
            name='is_online',
            field=fields.BooleanField(default=True, db_default=True),
        ),
            # Orders placed before this migration were paid when they were placed.
        ops.RunSQL(
            "UPDATE shop_order SET paid_at = ordered_at WHERE status <> 'AWAITING_DEPOSIT' AND paid_at IS NULL",
            reverse_sql="SELECT 1",
        ),
    ]
