"""The legacy shop's tables (schema.sql) as unmanaged Django models: Django reads them, never migrates them.

Field names are the ones ModelShopAdapter reads (sku, name, price, created_at...); ``db_table`` and
``db_column`` name the legacy tables and columns behind them.
"""
from django.db import models


class ItemGroup(models.Model):
    id = models.IntegerField(primary_key=True, db_column="grp_id")
    parent = models.ForeignKey("self", null=True, on_delete=models.DO_NOTHING, db_column="parent_grp",
                               db_constraint=False, related_name="children")
    name = models.CharField(max_length=80, db_column="label")

    class Meta:
        managed = False
        db_table = "inv_item_group"


class Item(models.Model):
    id = models.IntegerField(primary_key=True, db_column="item_no")
    sku = models.CharField(max_length=30, unique=True, db_column="item_code")
    name = models.CharField(max_length=200, db_column="title")
    description = models.TextField(db_column="blurb")
    category = models.ForeignKey(ItemGroup, null=True, on_delete=models.DO_NOTHING, db_column="grp_id",
                                 db_constraint=False, related_name="items")
    brand = models.CharField(max_length=60, null=True, db_column="brand_text")
    price = models.DecimalField(max_digits=10, decimal_places=2, db_column="list_price")
    currency = models.CharField(max_length=3, db_column="currency_code")
    is_active = models.BooleanField(db_column="is_live")
    created_at = models.DateTimeField(db_column="added_on")
    attributes = models.JSONField(db_column="attrs_json")
    supplier = models.CharField(max_length=60, db_column="vendor")
    # Purchasing terms live on the item, stock quantities per warehouse (WarehouseStock).
    lead_time_days = models.IntegerField(db_column="lead_days")
    pack_size = models.IntegerField(db_column="case_qty")
    minimum_order_quantity = models.IntegerField(db_column="min_order_qty")

    class Meta:
        managed = False
        db_table = "inv_item"


class Client(models.Model):
    id = models.IntegerField(primary_key=True, db_column="client_no")
    email = models.CharField(max_length=254, db_column="email_addr")
    full_name = models.CharField(max_length=120)
    country = models.CharField(max_length=2, db_column="country_code")
    created_at = models.DateTimeField(db_column="registered")

    class Meta:
        managed = False
        db_table = "crm_client"


class SalesHeader(models.Model):
    class Status(models.TextChoices):
        OPEN = "O"
        PAID = "P"
        SHIPPED = "S"
        CANCELLED = "C"
        RETURNED = "R"

    id = models.IntegerField(primary_key=True, db_column="hdr_id")
    number = models.CharField(max_length=20, unique=True, db_column="doc_no")
    customer = models.ForeignKey(Client, null=True, on_delete=models.DO_NOTHING, db_column="client_no",
                                 db_constraint=False, related_name="orders")
    created_at = models.DateTimeField(db_column="doc_date")
    status = models.CharField(max_length=1, choices=Status.choices, db_column="status_cd")
    total = models.DecimalField(max_digits=12, decimal_places=2, db_column="gross_total")
    currency = models.CharField(max_length=3, db_column="currency_code")
    # The order identities this shop records (no IP, device or card data).
    email = models.CharField(max_length=254, db_column="contact_email")
    billing_country = models.CharField(max_length=2, db_column="bill_country")
    shipping_country = models.CharField(max_length=2, db_column="ship_country")
    shipping_address = models.CharField(max_length=300, db_column="ship_address")
    payment_method = models.CharField(max_length=20, db_column="pay_type")

    class Meta:
        managed = False
        db_table = "sales_header"


class SalesLine(models.Model):
    pk = models.CompositePrimaryKey("order_id", "line_no")
    order = models.ForeignKey(SalesHeader, on_delete=models.DO_NOTHING, db_column="hdr_id", db_constraint=False,
                              related_name="lines")
    line_no = models.IntegerField()
    product = models.ForeignKey(Item, on_delete=models.DO_NOTHING, db_column="item_no", db_constraint=False,
                                related_name="sales_lines")
    quantity = models.IntegerField(db_column="qty")
    unit_price = models.DecimalField(max_digits=10, decimal_places=2, db_column="unit_net")

    class Meta:
        managed = False
        db_table = "sales_line"


class WarehouseStock(models.Model):
    pk = models.CompositePrimaryKey("product_id", "warehouse_code")
    product = models.ForeignKey(Item, on_delete=models.DO_NOTHING, db_column="item_no", db_constraint=False,
                                related_name="stock_rows")
    warehouse_code = models.CharField(max_length=8, db_column="wh_code")
    on_hand = models.IntegerField(db_column="qty_on_hand")
    on_order = models.IntegerField(db_column="qty_on_order")

    class Meta:
        managed = False
        db_table = "wh_stock"
