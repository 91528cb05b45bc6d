import GRDB

/// The schema, as append-only SQL migrations. The database enforces the invariants it can: one inbox row
/// per event id, one ledger row per purchase, one row per line item, one email per dedupe key, stock never
/// below zero, and states limited to the ones the code knows.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: inbox, checkout ledger, stock, outbox") { db in
            try db.execute(
                sql: """
                    CREATE TABLE inbox_events (
                        id TEXT PRIMARY KEY NOT NULL,
                        type TEXT NOT NULL,
                        object_id TEXT,
                        payload BLOB NOT NULL,
                        status TEXT NOT NULL CHECK (status IN ('pending', 'processed', 'ignored', 'dead')),
                        attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                        received_at REAL NOT NULL,
                        next_attempt_at REAL NOT NULL,
                        lease_until REAL,
                        processed_at REAL,
                        last_error TEXT
                    );
                    CREATE INDEX inbox_events_due ON inbox_events (status, next_attempt_at);
                    CREATE INDEX inbox_events_received ON inbox_events (received_at);

                    CREATE TABLE checkouts (
                        session_id TEXT PRIMARY KEY NOT NULL,
                        status TEXT NOT NULL CHECK (status IN ('awaiting_payment', 'fulfilled', 'payment_failed', 'expired')),
                        customer_email TEXT,
                        customer_name TEXT,
                        amount_total INTEGER CHECK (amount_total >= 0),
                        currency TEXT,
                        shipping_json TEXT,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        fulfilled_at REAL,
                        CHECK ((status = 'fulfilled') = (fulfilled_at IS NOT NULL))
                    );

                    CREATE TABLE checkout_lines (
                        session_id TEXT NOT NULL REFERENCES checkouts (session_id),
                        line_item_id TEXT NOT NULL,
                        position INTEGER NOT NULL,
                        description TEXT NOT NULL,
                        quantity INTEGER NOT NULL CHECK (quantity > 0),
                        amount_total INTEGER NOT NULL,
                        currency TEXT NOT NULL,
                        product_id TEXT,
                        action TEXT NOT NULL CHECK (action IN ('digital', 'physical', 'stock', 'none')),
                        sku TEXT,
                        outcome TEXT NOT NULL CHECK (outcome IN ('access_granted', 'shipped', 'stock_taken', 'recorded')),
                        access_token TEXT UNIQUE,
                        access_url TEXT,
                        shipment_id TEXT UNIQUE,
                        served_quantity INTEGER NOT NULL CHECK (served_quantity >= 0),
                        backordered_quantity INTEGER NOT NULL CHECK (backordered_quantity >= 0),
                        performed_at REAL NOT NULL,
                        PRIMARY KEY (session_id, line_item_id)
                    );

                    CREATE TABLE payments (
                        session_id TEXT PRIMARY KEY NOT NULL REFERENCES checkouts (session_id),
                        payment_intent TEXT,
                        amount_total INTEGER,
                        currency TEXT,
                        session_json BLOB NOT NULL,
                        recorded_at REAL NOT NULL
                    );

                    CREATE TABLE stock (
                        sku TEXT PRIMARY KEY NOT NULL,
                        quantity INTEGER NOT NULL CHECK (quantity >= 0)
                    );

                    CREATE TABLE outbox (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        dedupe_key TEXT NOT NULL UNIQUE,
                        recipient TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        body TEXT NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                        created_at REAL NOT NULL,
                        next_attempt_at REAL NOT NULL,
                        lease_until REAL,
                        sent_at REAL,
                        last_error TEXT
                    );
                    CREATE INDEX outbox_unsent ON outbox (sent_at, next_attempt_at);
                    """)
        }
        migrator.registerMigration("v2: orders (Sources and Charges), orphaned inbox events") { db in
            // SQLite cannot alter a CHECK constraint: the inbox table is rebuilt with the new status.
            try db.execute(
                sql: """
                    CREATE TABLE inbox_events_v2 (
                        id TEXT PRIMARY KEY NOT NULL,
                        type TEXT NOT NULL,
                        object_id TEXT,
                        payload BLOB NOT NULL,
                        status TEXT NOT NULL CHECK (status IN ('pending', 'processed', 'ignored', 'dead', 'orphaned')),
                        attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                        received_at REAL NOT NULL,
                        next_attempt_at REAL NOT NULL,
                        lease_until REAL,
                        processed_at REAL,
                        last_error TEXT
                    );
                    INSERT INTO inbox_events_v2 SELECT id, type, object_id, payload, status, attempts, received_at,
                        next_attempt_at, lease_until, processed_at, last_error FROM inbox_events;
                    DROP TABLE inbox_events;
                    ALTER TABLE inbox_events_v2 RENAME TO inbox_events;
                    CREATE INDEX inbox_events_due ON inbox_events (status, next_attempt_at);
                    CREATE INDEX inbox_events_received ON inbox_events (received_at);

                    CREATE TABLE orders (
                        id TEXT PRIMARY KEY NOT NULL,
                        version INTEGER NOT NULL CHECK (version > 0),
                        status TEXT NOT NULL CHECK (status IN ('awaiting_payment', 'charge_pending', 'paid', 'canceled')),
                        amount INTEGER NOT NULL CHECK (amount > 0),
                        currency TEXT NOT NULL,
                        customer_email TEXT NOT NULL,
                        customer_name TEXT,
                        items_json TEXT NOT NULL,
                        payment_method TEXT NOT NULL,
                        usage TEXT NOT NULL CHECK (usage IN ('single_use', 'reusable')),
                        source_id TEXT NOT NULL UNIQUE,
                        source_status TEXT NOT NULL,
                        redirect_url TEXT,
                        customer_id TEXT,
                        charge_id TEXT UNIQUE,
                        charge_status TEXT,
                        failure_reason TEXT,
                        retry_url TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        paid_at REAL,
                        canceled_at REAL,
                        CHECK ((status = 'paid') = (paid_at IS NOT NULL)),
                        CHECK (status <> 'paid' OR charge_id IS NOT NULL),
                        CHECK (status <> 'charge_pending' OR charge_id IS NOT NULL)
                    );

                    CREATE TABLE order_anomalies (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        order_id TEXT NOT NULL REFERENCES orders (id),
                        detail TEXT NOT NULL,
                        recorded_at REAL NOT NULL,
                        UNIQUE (order_id, detail)
                    );
                    """)
        }
        migrator.registerMigration("v3: when an order's source was last looked at (shared by every process)") { db in
            try db.execute(sql: "ALTER TABLE orders ADD COLUMN source_checked_at REAL")
        }
        migrator.registerMigration("v4: recovered events, the reconciler's watermark and lease") { db in
            try db.execute(
                sql: """
                    ALTER TABLE inbox_events ADD COLUMN origin TEXT NOT NULL DEFAULT 'webhook'
                        CHECK (origin IN ('webhook', 'reconciler'));
                    CREATE INDEX inbox_events_handled ON inbox_events (processed_at) WHERE status IN ('processed', 'ignored');

                    CREATE TABLE reconciler_state (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        watermark REAL,
                        lease_holder TEXT,
                        lease_until REAL,
                        last_started_at REAL,
                        last_finished_at REAL,
                        last_summary TEXT
                    );
                    INSERT INTO reconciler_state (id) VALUES (1);
                    """)
        }
        migrator.registerMigration("v5: dispatches (merchant notifications, action effects)") { db in
            try db.execute(
                sql: """
                    CREATE TABLE dispatches (
                        id TEXT PRIMARY KEY NOT NULL,
                        channel TEXT NOT NULL,
                        type TEXT NOT NULL,
                        subject_id TEXT NOT NULL,
                        payload BLOB NOT NULL,
                        status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
                        attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                        created_at REAL NOT NULL,
                        next_attempt_at REAL NOT NULL,
                        lease_until REAL,
                        delivered_at REAL,
                        last_error TEXT,
                        CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
                    );
                    CREATE INDEX dispatches_due ON dispatches (status, next_attempt_at);
                    CREATE INDEX dispatches_subject ON dispatches (subject_id);
                    """)
        }
        migrator.registerMigration("v6: after the payment (refunds, disputes)") { db in
            try db.execute(
                sql: """
                    CREATE TABLE after_payments (
                        subject_id TEXT PRIMARY KEY NOT NULL,
                        charge_id TEXT NOT NULL,
                        charge_amount INTEGER NOT NULL CHECK (charge_amount >= 0),
                        refunded_amount INTEGER NOT NULL CHECK (refunded_amount >= 0 AND refunded_amount <= charge_amount),
                        dispute TEXT NOT NULL CHECK (dispute IN ('none', 'open', 'won', 'lost')),
                        stock_returned INTEGER NOT NULL CHECK (stock_returned IN (0, 1)),
                        updated_at REAL NOT NULL
                    );
                    CREATE INDEX payments_intent ON payments (payment_intent);
                    """)
        }
        migrator.registerMigration("v7: action names and outcomes as data (registered actions)") { db in
            // SQLite cannot drop a CHECK constraint: the table is rebuilt without the two that listed the
            // built-in actions and outcomes; names are checked by the action registry, not the schema.
            try db.execute(
                sql: """
                    CREATE TABLE checkout_lines_v7 (
                        session_id TEXT NOT NULL REFERENCES checkouts (session_id),
                        line_item_id TEXT NOT NULL,
                        position INTEGER NOT NULL,
                        description TEXT NOT NULL,
                        quantity INTEGER NOT NULL CHECK (quantity > 0),
                        amount_total INTEGER NOT NULL,
                        currency TEXT NOT NULL,
                        product_id TEXT,
                        action TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
                        sku TEXT,
                        outcome TEXT NOT NULL CHECK (length(outcome) BETWEEN 1 AND 32),
                        access_token TEXT UNIQUE,
                        access_url TEXT,
                        shipment_id TEXT UNIQUE,
                        served_quantity INTEGER NOT NULL CHECK (served_quantity >= 0),
                        backordered_quantity INTEGER NOT NULL CHECK (backordered_quantity >= 0),
                        performed_at REAL NOT NULL,
                        PRIMARY KEY (session_id, line_item_id)
                    );
                    INSERT INTO checkout_lines_v7 SELECT session_id, line_item_id, position, description, quantity, amount_total,
                        currency, product_id, action, sku, outcome, access_token, access_url, shipment_id, served_quantity,
                        backordered_quantity, performed_at FROM checkout_lines;
                    DROP TABLE checkout_lines;
                    ALTER TABLE checkout_lines_v7 RENAME TO checkout_lines;
                    """)
        }
        migrator.registerMigration("v8: the customer's language on sessions and orders") { db in
            try db.execute(sql: "ALTER TABLE checkouts ADD COLUMN language TEXT CHECK (language IN ('en', 'es'))")
            try db.execute(sql: "ALTER TABLE orders ADD COLUMN language TEXT CHECK (language IN ('en', 'es'))")
        }
        migrator.registerMigration("v9: the operators' audit log") { db in
            try db.execute(
                sql: """
                    CREATE TABLE operator_actions (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at REAL NOT NULL,
                        actor TEXT NOT NULL,
                        action TEXT NOT NULL,
                        detail TEXT NOT NULL
                    );
                    CREATE INDEX inbox_events_object ON inbox_events (object_id);
                    """)
        }
        migrator.registerMigration("v10: console sessions shared by every instance; buyers' claims on purchase details") { db in
            try db.execute(
                sql: """
                    CREATE TABLE console_sessions (
                        id_hash TEXT PRIMARY KEY NOT NULL CHECK (length(id_hash) = 64),
                        csrf TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        expires_at REAL NOT NULL CHECK (expires_at > created_at)
                    );
                    CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
                    CREATE TABLE buyer_claims (
                        subject_id TEXT PRIMARY KEY NOT NULL,
                        claimed_at REAL NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v11: one ledger of purchases (purchases, purchase_lines, purchase_payments), each with its kind") { db in
            // The ledger held orders beside Checkout Sessions under checkout names. SQLite cannot add a CHECK
            // to a table: the three tables are rebuilt under their new names, each row given its kind (an
            // order's id is in `orders`), and each kind held to its statuses.
            try db.execute(
                sql: """
                    CREATE TABLE purchases (
                        subject_id TEXT PRIMARY KEY NOT NULL,
                        kind TEXT NOT NULL CHECK (kind IN ('checkout_session', 'order')),
                        status TEXT NOT NULL,
                        customer_email TEXT,
                        customer_name TEXT,
                        amount_total INTEGER CHECK (amount_total >= 0),
                        currency TEXT,
                        shipping_json TEXT,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        fulfilled_at REAL,
                        language TEXT CHECK (language IN ('en', 'es')),
                        CHECK ((status = 'fulfilled') = (fulfilled_at IS NOT NULL)),
                        CHECK ((kind = 'checkout_session' AND status IN ('awaiting_payment', 'fulfilled', 'payment_failed', 'expired'))
                            OR (kind = 'order' AND status = 'fulfilled'))
                    );
                    INSERT INTO purchases
                    SELECT session_id, CASE WHEN session_id IN (SELECT id FROM orders) THEN 'order' ELSE 'checkout_session' END,
                           status, customer_email, customer_name, amount_total, currency, shipping_json, created_at, updated_at,
                           fulfilled_at, language
                    FROM checkouts;

                    CREATE TABLE purchase_lines (
                        subject_id TEXT NOT NULL REFERENCES purchases (subject_id),
                        line_item_id TEXT NOT NULL,
                        position INTEGER NOT NULL,
                        description TEXT NOT NULL,
                        quantity INTEGER NOT NULL CHECK (quantity > 0),
                        amount_total INTEGER NOT NULL,
                        currency TEXT NOT NULL,
                        product_id TEXT,
                        action TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
                        sku TEXT,
                        outcome TEXT NOT NULL CHECK (length(outcome) BETWEEN 1 AND 32),
                        access_token TEXT UNIQUE,
                        access_url TEXT,
                        shipment_id TEXT UNIQUE,
                        served_quantity INTEGER NOT NULL CHECK (served_quantity >= 0),
                        backordered_quantity INTEGER NOT NULL CHECK (backordered_quantity >= 0),
                        performed_at REAL NOT NULL,
                        PRIMARY KEY (subject_id, line_item_id)
                    );
                    INSERT INTO purchase_lines SELECT session_id, line_item_id, position, description, quantity, amount_total,
                        currency, product_id, action, sku, outcome, access_token, access_url, shipment_id, served_quantity,
                        backordered_quantity, performed_at FROM checkout_lines;

                    CREATE TABLE purchase_payments (
                        subject_id TEXT PRIMARY KEY NOT NULL REFERENCES purchases (subject_id),
                        payment_intent TEXT,
                        amount_total INTEGER,
                        currency TEXT,
                        object_json BLOB NOT NULL,
                        recorded_at REAL NOT NULL
                    );
                    INSERT INTO purchase_payments SELECT session_id, payment_intent, amount_total, currency, session_json, recorded_at
                    FROM payments;
                    CREATE INDEX purchase_payments_intent ON purchase_payments (payment_intent);

                    DROP TABLE checkout_lines;
                    DROP TABLE payments;
                    DROP TABLE checkouts;
                    """)
        }
        migrator.registerMigration("v12: emails end dead after their retry window, as dispatches do") { db in
            try db.execute(
                sql: """
                    ALTER TABLE outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead'));
                    UPDATE outbox SET status = 'sent' WHERE sent_at IS NOT NULL;
                    DROP INDEX outbox_unsent;
                    CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
                    """)
        }
        migrator.registerMigration("v13: orders paid through a PaymentIntent beside those paid through a source") { db in
            // An order now has a source or a PaymentIntent: SQLite cannot drop NOT NULL from source_id nor add a
            // CHECK, so the table is rebuilt (every column, every row; the anomalies keep referring to it by id).
            try db.execute(
                sql: """
                    CREATE TABLE orders_v13 (
                        id TEXT PRIMARY KEY NOT NULL,
                        version INTEGER NOT NULL CHECK (version > 0),
                        status TEXT NOT NULL CHECK (status IN ('awaiting_payment', 'charge_pending', 'paid', 'canceled')),
                        amount INTEGER NOT NULL CHECK (amount > 0),
                        currency TEXT NOT NULL,
                        customer_email TEXT NOT NULL,
                        customer_name TEXT,
                        items_json TEXT NOT NULL,
                        payment_method TEXT NOT NULL,
                        usage TEXT NOT NULL CHECK (usage IN ('single_use', 'reusable')),
                        payment_flow TEXT NOT NULL DEFAULT 'sources',
                        source_id TEXT UNIQUE,
                        source_status TEXT,
                        payment_intent_id TEXT UNIQUE,
                        payment_intent_status TEXT,
                        failed_attempt TEXT,
                        redirect_url TEXT,
                        customer_id TEXT,
                        charge_id TEXT UNIQUE,
                        charge_status TEXT,
                        failure_reason TEXT,
                        retry_url TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        paid_at REAL,
                        canceled_at REAL,
                        source_checked_at REAL,
                        language TEXT CHECK (language IN ('en', 'es')),
                        CHECK ((status = 'paid') = (paid_at IS NOT NULL)),
                        CHECK (status <> 'paid' OR charge_id IS NOT NULL),
                        CHECK (status <> 'charge_pending' OR charge_id IS NOT NULL),
                        CHECK ((source_id IS NULL) <> (payment_intent_id IS NULL)),
                        CHECK ((source_id IS NULL) = (source_status IS NULL))
                    );
                    INSERT INTO orders_v13 (
                        id, version, status, amount, currency, customer_email, customer_name, items_json, payment_method, usage,
                        source_id, source_status, redirect_url, customer_id, charge_id, charge_status, failure_reason, retry_url,
                        created_at, updated_at, paid_at, canceled_at, source_checked_at, language)
                    SELECT id, version, status, amount, currency, customer_email, customer_name, items_json, payment_method, usage,
                        source_id, source_status, redirect_url, customer_id, charge_id, charge_status, failure_reason, retry_url,
                        created_at, updated_at, paid_at, canceled_at, source_checked_at, language
                    FROM orders;
                    DROP TABLE orders;
                    ALTER TABLE orders_v13 RENAME TO orders;
                    CREATE INDEX orders_awaiting_payment ON orders (payment_flow, created_at) WHERE status = 'awaiting_payment';
                    """)
        }
        migrator.registerMigration("v14: the connected account (Connect) a purchase or an order was paid on") { db in
            try db.execute(
                sql: """
                    ALTER TABLE purchases ADD COLUMN account TEXT;
                    ALTER TABLE orders ADD COLUMN account TEXT;
                    CREATE INDEX purchases_account ON purchases (account) WHERE account IS NOT NULL;
                    CREATE INDEX orders_account ON orders (account) WHERE account IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v15: subscriptions, each entitlement kept over time, and their purchases in the ledger") { db in
            // A subscription's grant is a purchase of the kind `subscription` (fulfilled once, when first paid):
            // SQLite cannot change a CHECK, so `purchases` is rebuilt (its lines and payments refer to it by
            // name, and GRDB checks the foreign keys once the migration is done).
            try db.execute(
                sql: """
                    CREATE TABLE purchases_v15 (
                        subject_id TEXT PRIMARY KEY NOT NULL,
                        kind TEXT NOT NULL CHECK (kind IN ('checkout_session', 'order', 'subscription')),
                        status TEXT NOT NULL,
                        customer_email TEXT,
                        customer_name TEXT,
                        amount_total INTEGER CHECK (amount_total >= 0),
                        currency TEXT,
                        shipping_json TEXT,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        fulfilled_at REAL,
                        language TEXT CHECK (language IN ('en', 'es')),
                        account TEXT,
                        CHECK ((status = 'fulfilled') = (fulfilled_at IS NOT NULL)),
                        CHECK ((kind = 'checkout_session' AND status IN ('awaiting_payment', 'fulfilled', 'payment_failed', 'expired'))
                            OR (kind IN ('order', 'subscription') AND status = 'fulfilled'))
                    );
                    INSERT INTO purchases_v15 (subject_id, kind, status, customer_email, customer_name, amount_total, currency,
                        shipping_json, created_at, updated_at, fulfilled_at, language, account)
                    SELECT subject_id, kind, status, customer_email, customer_name, amount_total, currency, shipping_json,
                        created_at, updated_at, fulfilled_at, language, account
                    FROM purchases;
                    DROP TABLE purchases;
                    ALTER TABLE purchases_v15 RENAME TO purchases;
                    CREATE INDEX purchases_account ON purchases (account) WHERE account IS NOT NULL;
                    """)
            try db.execute(
                sql: """
                    CREATE TABLE subscriptions (
                        subscription_id TEXT PRIMARY KEY NOT NULL,
                        account TEXT,
                        customer_id TEXT NOT NULL,
                        customer_email TEXT,
                        customer_name TEXT,
                        language TEXT CHECK (language IN ('en', 'es')),
                        access TEXT NOT NULL CHECK (access IN ('active', 'past_due', 'suspended', 'ended')),
                        valid_until REAL NOT NULL,
                        past_due_since REAL,
                        cancel_at_period_end INTEGER NOT NULL,
                        price_ids_json TEXT NOT NULL,
                        settled_invoices_json TEXT NOT NULL,
                        noticed_failures_json TEXT NOT NULL,
                        version INTEGER NOT NULL CHECK (version >= 1),
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        CHECK (access <> 'past_due' OR past_due_since IS NOT NULL)
                    );
                    CREATE INDEX subscriptions_past_due ON subscriptions (past_due_since) WHERE access = 'past_due';
                    """)
        }
        migrator.registerMigration("v16: the trace each queued event, email and dispatch continues (W3C traceparent)") { db in
            try db.execute(
                sql: """
                    ALTER TABLE inbox_events ADD COLUMN trace_parent TEXT;
                    ALTER TABLE outbox ADD COLUMN trace_parent TEXT;
                    ALTER TABLE dispatches ADD COLUMN trace_parent TEXT;
                    """)
        }
        return migrator
    }
}
