"""Training-card orders (seed 001 근로자카드주문): enrolments of courses paid with a government card.
Resident registration and card numbers are encrypted at rest and shown masked."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.fields import EncryptedTextField


class EnrolmentStatus(StrEnum):
    APPLIED = "APPLIED"
    APPROVED = "APPROVED"
    CANCELLED = "CANCELLED"


class TrainingEnrolment(Model):
    id = fields.IntField(primary_key=True)
    item = fields.OneToOneField("models.OrderItem", related_name="enrolment", on_delete=fields.CASCADE)
    course = fields.ForeignKeyField("models.Product", related_name="enrolments", on_delete=fields.RESTRICT)
    cohort_year = fields.IntField()
    cohort_round = fields.IntField()
    status = fields.CharEnumField(EnrolmentStatus, max_length=16, default=EnrolmentStatus.APPLIED)
    trainee_name = fields.CharField(max_length=50)
    resident_number = EncryptedTextField()
    card_number = EncryptedTextField()
    # For search and display without decrypting: the card's last four digits.
    card_last4 = fields.CharField(max_length=4, default="")
    approved_at = fields.DatetimeField(null=True)
    approved_by = fields.ForeignKeyField("models.Operator", related_name="approved_enrolments", null=True,
                                         on_delete=fields.SET_NULL)

    class Meta:
        table = "training_enrolment"
        ordering = ["-id"]
        indexes = (("course_id", "cohort_year", "cohort_round"),)
