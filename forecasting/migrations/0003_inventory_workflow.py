from django.db import migrations


class Migration(migrations.Migration):
    """Purchase-order drafts become purchase orders with a lifecycle (renamed, not recreated: drafts
    a merchant already made are kept)."""

    dependencies = [
        ("forecasting", "0002_admin_list_indexes"),
        ("mlops", "0001_initial"),
    ]

    operations = [
        migrations.RenameModel("PurchaseOrderDraft", "PurchaseOrder"),
        migrations.RenameModel("PurchaseOrderDraftLine", "PurchaseOrderLine"),
        migrations.RemoveConstraint(model_name="purchaseorderline", name="fc_po_line_unique"),
        migrations.RenameField(model_name="purchaseorderline", old_name="draft", new_name="order"),
    ]
