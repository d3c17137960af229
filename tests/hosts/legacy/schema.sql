-- The legacy shop's own schema, as its ERP created it long before Django: other table and column
-- names, stock per warehouse, one-letter order status codes. Plain SQL valid on SQLite and
-- PostgreSQL; Django maps it with unmanaged models (legacyshop/models.py) and never migrates it.
CREATE TABLE inv_item_group (
    grp_id INTEGER PRIMARY KEY,
    parent_grp INTEGER REFERENCES inv_item_group (grp_id),
    label VARCHAR(80) NOT NULL
);

CREATE TABLE inv_item (
    item_no INTEGER PRIMARY KEY,
    item_code VARCHAR(30) NOT NULL UNIQUE,
    title VARCHAR(200) NOT NULL,
    blurb TEXT NOT NULL DEFAULT '',
    grp_id INTEGER REFERENCES inv_item_group (grp_id),
    brand_text VARCHAR(60),
    list_price NUMERIC(10, 2) NOT NULL,
    currency_code CHAR(3) NOT NULL DEFAULT 'EUR',
    is_live BOOLEAN NOT NULL DEFAULT TRUE,
    added_on TIMESTAMPTZ NOT NULL,
    attrs_json TEXT NOT NULL DEFAULT '{}',
    vendor VARCHAR(60) NOT NULL DEFAULT '',
    lead_days INTEGER NOT NULL DEFAULT 7,
    case_qty INTEGER NOT NULL DEFAULT 1,
    min_order_qty INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE crm_client (
    client_no INTEGER PRIMARY KEY,
    email_addr VARCHAR(254) NOT NULL,
    full_name VARCHAR(120) NOT NULL DEFAULT '',
    country_code CHAR(2) NOT NULL DEFAULT '',
    registered TIMESTAMPTZ NOT NULL
);

-- status_cd: O open, P paid, S shipped, C cancelled, R returned.
CREATE TABLE sales_header (
    hdr_id INTEGER PRIMARY KEY,
    doc_no VARCHAR(20) NOT NULL UNIQUE,
    client_no INTEGER REFERENCES crm_client (client_no),
    doc_date TIMESTAMPTZ NOT NULL,
    status_cd CHAR(1) NOT NULL,
    gross_total NUMERIC(12, 2) NOT NULL,
    currency_code CHAR(3) NOT NULL DEFAULT 'EUR',
    contact_email VARCHAR(254) NOT NULL DEFAULT '',
    bill_country CHAR(2) NOT NULL DEFAULT '',
    ship_country CHAR(2) NOT NULL DEFAULT '',
    ship_address VARCHAR(300) NOT NULL DEFAULT '',
    pay_type VARCHAR(20) NOT NULL DEFAULT ''
);
CREATE INDEX sales_header_client ON sales_header (client_no, doc_date);
CREATE INDEX sales_header_date ON sales_header (doc_date);

CREATE TABLE sales_line (
    hdr_id INTEGER NOT NULL REFERENCES sales_header (hdr_id),
    line_no INTEGER NOT NULL,
    item_no INTEGER NOT NULL REFERENCES inv_item (item_no),
    qty INTEGER NOT NULL,
    unit_net NUMERIC(10, 2) NOT NULL,
    PRIMARY KEY (hdr_id, line_no)
);
CREATE INDEX sales_line_item ON sales_line (item_no);

CREATE TABLE wh_stock (
    item_no INTEGER NOT NULL REFERENCES inv_item (item_no),
    wh_code VARCHAR(8) NOT NULL,
    qty_on_hand INTEGER NOT NULL DEFAULT 0,
    qty_on_order INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (item_no, wh_code)
);
