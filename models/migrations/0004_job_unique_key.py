from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_coupons_and_orders')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Job',
            name='unique_key',
            field=fields.CharField(null=True, unique=True, max_length=100),
        ),
    ]
